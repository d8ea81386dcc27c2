"""New means not yet picked up (SPEC §4): staff assigning a person moves a New case to
In-Progress, on the timeline, through the lifecycle rules; the system's round robin does not
(the technician it chose has not picked the case up yet)."""

from __future__ import annotations

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent
from casedesk.outbox.models import OutboundMessage
from tests.api.helpers import api_for
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, TeamFactory, make_case

pytestmark = pytest.mark.django_db


def status_moves(case: Case) -> list[tuple[list[str], str, bool]]:
    return [
        (e.changes["status"], e.actor_kind, e.public)
        for e in case.events.order_by("at", "id")
        if "status" in (e.changes or {})
    ]


def test_a_disposition_with_an_assignee_picks_a_new_case_up():
    tech = StaffFactory()
    case = make_case()
    case = actions.disposition(case, by=tech, priority="P1", team=None, assignee=tech)
    case.refresh_from_db()
    assert (case.status, case.priority, case.assignee) == ("in_progress", "P1", tech)
    assert status_moves(case) == [(["new", "in_progress"], "staff", True)]
    # The customer is not mailed a bare status move; the first answer is its own notice.
    assert not OutboundMessage.objects.filter(case=case, kind="status_changed").exists()


def test_a_disposition_without_an_assignee_leaves_it_new():
    tech = StaffFactory()
    case = actions.disposition(make_case(), by=tech, priority="P2", team=TeamFactory(), assignee=None)
    case.refresh_from_db()
    assert case.status == "new" and status_moves(case) == []


def test_assigning_an_open_case_again_moves_nothing():
    tech, other = StaffFactory(), StaffFactory()
    case = actions.disposition(make_case(), by=tech, priority="P3", team=None, assignee=tech)
    actions.transition(case, to="on_hold", by=tech, hold_until=case.opened_at.replace(year=2099))
    actions.disposition(case, by=tech, priority="P3", team=None, assignee=other)
    case.refresh_from_db()
    assert case.status == "on_hold"


def test_a_case_opened_by_staff_with_an_assignee_starts_in_progress():
    tech = StaffFactory()
    mpoc = ContactFactory(organisation=OrganisationFactory(), is_primary_mpoc=True)
    case = actions.open_case(
        by=tech, contact=mpoc, title="Trunk down", channel="phone", priority="P1", assignee=tech
    )
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert status_moves(case) == [(["new", "in_progress"], "staff", True)]
    unassigned = actions.open_case(by=tech, contact=mpoc, title="Fax", channel="phone", priority="P4")
    assert unassigned.status == "new"


def test_the_round_robin_leaves_a_case_new_until_someone_takes_it():
    tech = StaffFactory()
    case = actions.route(make_case(), team=TeamFactory(), assignee=tech, note="On shift, in turn.")
    case.refresh_from_db()
    assert case.status == "new" and case.assignee == tech and case.needs_triage


def test_the_api_disposition_picks_the_case_up_too():
    tech = StaffFactory()
    case = make_case()
    response = api_for(tech).post(
        f"/cases/{case.number}/disposition", {"priority": "P2", "assignee": tech.email}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS).count() == 1


def test_the_demo_shows_assigned_cases_in_progress():
    from casedesk.site import demo

    demo.seed()
    assigned_new = Case.objects.filter(status="new", assignee__isnull=False)
    assert not assigned_new.exists(), list(assigned_new)
    main = Case.objects.get(
        title="Inbound calls fail for main number", organisation__account_number="ACME-1001"
    )
    assert (main.priority, main.status) == ("P1", "in_progress")
