"""The case pages cost a fixed number of queries whatever the case holds: its timeline's
entries of every kind, files, participants, links, escalations, the organisation's partner
and contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casedesk.accounts import partners
from casedesk.accounts.models import Contact, EscalationContact
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core.uploads import Upload
from casedesk.escalation import actions as escalation
from casedesk.rules.lifecycle import Status
from tests.factories import (
    AdministratorFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db

CONSOLE_MAX = 8
# A customer's case is read as staff read it (one statement, planned once) and then asked
# of `cases_visible_to`: two cheap statements in place of one whose planning took 2 ms.
PORTAL_MAX = 9


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _desk(rounds: int) -> dict:
    """A case of a partner-managed organisation with `rounds` rounds of work on it: each a
    disposition, a public reply and an internal note with files, a customer comment, a
    status change, a participant, a related case, an escalation contact."""
    team, other_team = TeamFactory(), TeamFactory()
    staff = StaffFactory(first_name="Theo", last_name="Tran")
    team.members.add(staff)
    boss = ManagerFactory()
    team.members.add(boss)
    other_team.members.add(boss)
    others = [StaffFactory() for _ in range(3)]
    platform = PlatformFactory(team=team)
    org = OrganisationFactory(platforms=[platform, PlatformFactory()])
    user = customer(org, is_primary_mpoc=True)
    partner = OrganisationFactory(kind="partner")
    partners.set_partner(AdministratorFactory(), org, partner)
    person = Contact.objects.get(user=customer(partner, mpoc=False))
    partners.grant(AdministratorFactory(), person, org, "cases")
    case = make_case(by=user, platform=platform, uploads=[Upload("first.txt", b"log")])
    for i in range(rounds):
        assignee = others[i % 3]
        actions.disposition(case, by=boss, priority="P3", team=(other_team, team)[i % 2], assignee=assignee)
        actions.add_comment(case, by=boss, body=f"reply {i}", uploads=[Upload(f"r{i}.txt", b"x")])
        actions.add_comment(
            case, by=boss, body=f"secret note {i}", public=False, uploads=[Upload(f"internal{i}.txt", b"y")]
        )
        actions.add_comment(case, by=user, body=f"customer says {i}")
        colleague = ContactFactory(organisation=org)
        actions.add_participants(case, by=boss, contacts=[colleague], addresses=[f"cc{i}@example.net"])
        actions.link_related(case, make_case(by=user, title=f"related {i}"), by=boss)
        EscalationContact.objects.create(
            organisation=org, position=i + 1, name=f"Boss {i}", email=f"boss{i}-{org.pk}@example.com"
        )
        case = Case.objects.get(pk=case.pk)
        if case.status == Status.IN_PROGRESS.value and i % 2:
            actions.transition(
                case, to=Status.ON_HOLD.value, by=boss, hold_until=timezone.now() + timedelta(days=1)
            )
        elif case.status != Status.IN_PROGRESS.value:
            actions.transition(case, to=Status.IN_PROGRESS.value, by=boss)
        case = Case.objects.get(pk=case.pk)
    actions.disposition(case, by=boss, priority="P3", team=team, assignee=staff)
    escalation.escalate(Case.objects.get(pk=case.pk), by=boss, reason="slow")
    return {"case": Case.objects.get(pk=case.pk), "staff": staff, "user": user, "org": org}


def test_the_console_case_page_costs_the_same_however_much_the_case_holds():
    small, large = _desk(1), _desk(7)  # about 8 and 50 timeline entries
    counts = []
    for desk in (small, large):
        console = Client()
        console.force_login(desk["staff"])
        url = f"/console/cases/{desk['case'].number}/"
        console.get(url)
        count, html = _queries(console, url)
        counts.append(count)
        assert "secret note 0" in html and "internal0.txt" in html
        assert "Boss 0" in html and "cc0@example.net" in html and "related 0" in html
    assert counts[0] == counts[1] <= CONSOLE_MAX, counts


def test_the_portal_case_page_costs_the_same_however_much_the_case_holds():
    small, large = _desk(1), _desk(7)
    counts = []
    for desk in (small, large):
        portal = Client()
        portal.force_login(desk["user"])
        url = f"/portal/cases/{desk['case'].number}/"
        portal.get(url)
        count, html = _queries(portal, url)
        counts.append(count)
        assert "reply 0" in html and "r0.txt" in html and "cc0@example.net" in html
        # Internal notes and their files stay staff-only.
        assert "secret note" not in html and "internal0.txt" not in html
    assert counts[0] == counts[1] <= PORTAL_MAX, counts


def test_each_case_page_shows_its_own_organisation_only():
    """The page's statements are built once per process with one case's values; every
    other case's page gets its own rows, never the first's."""
    first, second = _desk(2), _desk(1)
    pages = {}
    for desk in (first, second):
        for side, who in (("console", desk["staff"]), ("portal", desk["user"])):
            client = Client()
            client.force_login(who)
            _, pages[desk["org"].pk, side] = _queries(client, f"/{side}/cases/{desk['case'].number}/")
    for desk, other in ((first, second), (second, first)):
        own = Contact.objects.filter(organisation=desk["org"]).exclude(user=desk["user"])
        for contact in own:
            assert contact.email in pages[desk["org"].pk, "console"]
            assert contact.email not in pages[other["org"].pk, "console"]
            assert contact.email not in pages[other["org"].pk, "portal"]
        assert f"boss0-{desk['org'].pk}@" in pages[desk["org"].pk, "console"]
        assert f"boss0-{desk['org'].pk}@" not in pages[other["org"].pk, "console"]
