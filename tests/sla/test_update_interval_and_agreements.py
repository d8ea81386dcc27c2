"""P1 updates "hourly, or as requested", and targets "unless an alternative agreement is
requested by the customer" (SPEC §3): a per-case requested update interval the clock follows,
staff set and the console shows; per-organisation agreements used by the clocks, the deadline
preview and the SLA report."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.test import Client

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.escalation import selectors
from casedesk.sla.models import Agreement, Calendar
from tests.api.helpers import api_for
from tests.factories import (
    AdministratorFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    StaffFactory,
    make_case,
)

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answered_p1(tech) -> Case:
    with time_machine.travel(mt(2026, 11, 24, 9, 55), tick=False):
        case = make_case()
        actions.disposition(case, by=tech, priority="P1", team=None, assignee=tech)
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):
        actions.add_comment(case, by=tech, body="On it.")
    case.refresh_from_db()
    assert case.next_update_due == mt(2026, 11, 24, 11, 0)  # hourly
    return case


def test_staff_set_a_requested_interval_that_the_clock_follows_and_the_console_shows():
    tech = StaffFactory()
    case = answered_p1(tech)
    client = console(tech)
    with time_machine.travel(mt(2026, 11, 24, 10, 10), tick=False):
        response = client.post(f"/console/cases/{case.number}/update-interval/", {"minutes": "20"})
    assert response.status_code == 302, response.content
    case.refresh_from_db()
    assert case.requested_update_minutes == 20
    assert case.next_update_due == mt(2026, 11, 24, 10, 30) == case.next_due_at
    entry = case.events.last()
    assert entry.changes == {"requested_update_minutes": [None, 20]} and entry.public
    with time_machine.travel(mt(2026, 11, 24, 10, 25), tick=False):
        actions.add_comment(case, by=tech, body="Still on it.")
        page = client.get(f"/console/cases/{case.number}/").content.decode()
    case.refresh_from_db()
    assert case.next_update_due == mt(2026, 11, 24, 10, 45)
    assert "every 20 minutes" in page and "as the customer asked" in page
    assert 'name="minutes"' in page  # the form staff set it with


def test_a_requested_interval_must_be_shorter_than_the_policy():
    tech = StaffFactory()
    case = answered_p1(tech)
    client = console(tech)
    response = client.post(f"/console/cases/{case.number}/update-interval/", {"minutes": "90"})
    assert response.status_code == 400
    assert "shorter than the policy" in response.content.decode()
    case.refresh_from_db()
    assert case.requested_update_minutes is None
    actions.set_update_interval(case, by=tech, minutes=30)
    response = client.post(f"/console/cases/{case.number}/update-interval/", {"minutes": ""})
    case.refresh_from_db()
    assert response.status_code == 302 and case.requested_update_minutes is None
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "every 1 hour" in page


def agreed(org) -> Agreement:
    always = Calendar.objects.get(key="24x7")
    return Agreement.objects.create(
        organisation=org,
        priority="P2",
        response_minutes=10,
        response_calendar=always,
        update_minutes=30,
        update_calendar=always,
        reference="Letter of 2026-10-01",
    )


def test_an_organisations_agreement_sets_the_clocks_of_its_cases():
    acme, other = OrganisationFactory(), OrganisationFactory()
    agreed(acme)
    tech = StaffFactory()
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        mine = actions.open_case(
            by=tech, contact=ContactFactory(organisation=acme), title="Drops", channel="phone", priority="P2"
        )
        theirs = actions.open_case(
            by=tech, contact=ContactFactory(organisation=other), title="Drops", channel="phone", priority="P2"
        )
    assert mine.first_response_due == mt(2026, 11, 24, 9, 10)
    assert theirs.first_response_due == mt(2026, 11, 24, 9, 30)
    with time_machine.travel(mt(2026, 11, 24, 9, 5), tick=False):
        actions.add_comment(mine, by=tech, body="Looking.")
        page = html.unescape(console(tech).get(f"/console/cases/{mine.number}/").content.decode())
    mine.refresh_from_db()
    assert mine.next_update_due == mt(2026, 11, 24, 9, 35)
    assert "every 30 minutes" in page and "the organisation's agreement" in page


def test_the_deadline_preview_uses_the_organisations_agreement():
    acme = OrganisationFactory()
    agreed(acme)
    api = api_for(StaffFactory())
    query = {"priority": "P2", "opened_at": "2027-01-15T16:55:00-07:00"}
    plain = api.get("/sla/deadlines", **query)
    assert plain.json()["initial_response_due"] == "2027-01-15T17:25:00-07:00"
    mine = api.get("/sla/deadlines", **query, organisation=acme.pk)
    assert mine.status_code == 200, mine.content
    assert mine.json()["initial_response_due"] == "2027-01-15T17:05:00-07:00"
    assert mine.json()["first_update_due"] == "2027-01-15T17:35:00-07:00"
    assert mine.json()["organisation"] == acme.pk
    unknown = api.get("/sla/deadlines", **query, organisation=999999)
    assert unknown.status_code == 400 and "organisation" in unknown.json()["detail"]


def test_the_report_counts_against_the_agreement_and_filters_by_organisation():
    acme, other = OrganisationFactory(name="Acme"), OrganisationFactory(name="Other")
    agreed(acme)
    tech = StaffFactory()
    for org in (acme, other):
        with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
            case = actions.open_case(
                by=tech,
                contact=ContactFactory(organisation=org),
                title="Drops",
                channel="phone",
                priority="P2",
            )
        with time_machine.travel(mt(2026, 11, 24, 9, 20), tick=False):
            actions.add_comment(case, by=tech, body="Looking.")  # late for Acme only
    day = date(2026, 11, 24)
    [row] = selectors.sla_report(day, day, organisation=acme.pk)
    assert (row.priority, row.responses, row.responses_late) == ("P2", 1, 1)
    [row] = selectors.sla_report(day, day, organisation=other.pk)
    assert (row.responses, row.responses_late) == (1, 0)
    page = console(ManagerFactory()).get(
        "/console/reports/sla/", {"start": "2026-11-24", "end": "2026-11-24", "organisation": acme.pk}
    )
    assert page.status_code == 200 and "Acme" in page.content.decode()


def test_agreements_are_edited_in_the_admin():
    assert admin.site.is_registered(Agreement)
    acme = OrganisationFactory(name="Acme")
    agreed(acme)
    client = console(AdministratorFactory(is_superuser=True))
    page = client.get("/admin/sla/agreement/")
    assert page.status_code == 200 and "Acme" in page.content.decode()


def test_a_requested_interval_is_on_the_case_timeline_for_the_customer():
    tech = StaffFactory()
    case = answered_p1(tech)
    actions.set_update_interval(case, by=tech, minutes=15)
    customer = case.contact.user
    page = console(customer).get(f"/portal/cases/{case.number}/").content.decode()
    assert "every 15 minutes" in page
    assert case.events.filter(changes__has_key="requested_update_minutes").exists()
    assert timedelta(minutes=15)  # the interval is shown as the plan words it
