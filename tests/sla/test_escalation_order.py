"""The support escalation path in the plan's order (SPEC §6), level by level: support desk;
network operations for legacy network customers only; the manager of the case's own
platform; the on-call manager in its hours; the NOC manager; the VP; the CEO."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from casedesk.accounts.models import EscalationContact
from casedesk.core.errors import Refused
from casedesk.escalation import actions as escalation
from casedesk.outbox.models import OutboundMessage
from casedesk.sla.models import EscalationLevel
from tests.factories import (
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")
DAY = datetime(2026, 11, 24, 10, 0, tzinfo=MT)  # a Tuesday, office hours
NIGHT = datetime(2026, 11, 24, 22, 0, tzinfo=MT)  # the same Tuesday, on-call hours

DESK = "Support desk"
NETOPS = "Network operations (legacy network customers)"
CLOUD = "Cloud platform support manager"
MICROSOFT = "Microsoft platform support manager"
ON_CALL = "On-call manager"
NOC = "NOC manager"
VP = "VP of Client Support"
CEO = "CEO"


@pytest.fixture
def platforms():
    """The plan's teams, each with its platform, and the path's managers linked to them
    (as the provider does in the admin, once its teams exist)."""
    teams = {
        slug: TeamFactory(name=slug.title(), slug=slug) for slug in ("cloud", "cisco", "microsoft", "netops")
    }
    for slug in ("cloud", "cisco", "microsoft"):
        EscalationLevel.objects.filter(role__istartswith=slug).update(team=teams[slug])
    return {
        "voice": PlatformFactory(name="Hosted Voice", team=teams["cloud"]),
        "teams": PlatformFactory(name="Teams", team=teams["microsoft"]),
        "circuits": PlatformFactory(name="Circuits", team=teams["netops"]),
    }


def walk(case, user) -> list[tuple[int, list[str]]]:
    """Escalate until the top: each step's level and the roles it reached."""
    steps = []
    while True:
        try:
            case, reached = escalation.escalate(case, by=user)
        except Refused as exc:
            assert "highest level" in str(exc)
            return steps
        assert {lv.level for lv in reached} == {case.escalation_level}
        steps.append((case.escalation_level, [lv.role for lv in reached]))


@pytest.mark.parametrize(
    ("legacy", "when", "expected"),
    [
        (False, DAY, [(1, [DESK]), (3, [CLOUD]), (5, [NOC]), (6, [VP]), (7, [CEO])]),
        (False, NIGHT, [(1, [DESK]), (3, [CLOUD]), (4, [ON_CALL]), (5, [NOC]), (6, [VP]), (7, [CEO])]),
        (True, DAY, [(1, [DESK]), (2, [NETOPS]), (3, [CLOUD]), (5, [NOC]), (6, [VP]), (7, [CEO])]),
        (
            True,
            NIGHT,
            [(1, [DESK]), (2, [NETOPS]), (3, [CLOUD]), (4, [ON_CALL]), (5, [NOC]), (6, [VP]), (7, [CEO])],
        ),
    ],
    ids=["customer-day", "customer-night", "legacy-day", "legacy-night"],
)
def test_the_support_path_level_by_level(platforms, legacy, when, expected):
    org = OrganisationFactory(platforms=[platforms["voice"]], legacy_network=legacy)
    user = customer(org)
    with time_machine.travel(when, tick=False):
        case = make_case(by=user, platform=platforms["voice"])
        assert walk(case, user) == expected


def test_only_the_manager_of_the_cases_own_platform_hears_of_it(platforms):
    user = customer(OrganisationFactory(platforms=[platforms["teams"]]))
    with time_machine.travel(DAY, tick=False):
        case = make_case(by=user, platform=platforms["teams"])
        escalation.escalate(case, by=user)
        OutboundMessage.objects.all().delete()
        case, reached = escalation.escalate(case, by=user)
    assert case.escalation_level == 3 and [lv.role for lv in reached] == [MICROSOFT]
    assert list(OutboundMessage.objects.values_list("to", flat=True)) == ["microsoft.manager@example.com"]


def test_a_platform_no_manager_covers_goes_past_the_platform_level(platforms):
    user = customer(OrganisationFactory(platforms=[platforms["circuits"]]))
    with time_machine.travel(DAY, tick=False):
        case = make_case(by=user, platform=platforms["circuits"])
        escalation.escalate(case, by=user)
        case, reached = escalation.escalate(case, by=user)
    assert case.escalation_level == 5 and [lv.role for lv in reached] == [NOC]


def test_the_support_desk_level_tells_the_cases_own_people_never_the_intake(platforms):
    manager = ManagerFactory(email="cloud.lead@support.example.com")
    tech = StaffFactory(email="tech@support.example.com")
    platforms["voice"].team.manager = manager
    platforms["voice"].team.save()
    user = customer(OrganisationFactory(platforms=[platforms["voice"]]))
    with time_machine.travel(DAY, tick=False):
        case = make_case(by=user, platform=platforms["voice"])
        from casedesk.cases import actions

        actions.disposition(case, by=manager, priority="P3", team=platforms["voice"].team, assignee=tech)
        OutboundMessage.objects.all().delete()
        case, reached = escalation.escalate(case, by=user, reason="No answer yet")
    assert [lv.role for lv in reached] == [DESK]
    assert set(OutboundMessage.objects.filter(kind="escalation").values_list("to", flat=True)) == {
        "tech@support.example.com",
        "cloud.lead@support.example.com",
    }


def test_the_seeded_path_is_the_plans_order():
    rows = EscalationLevel.objects.filter(path__kind="support").order_by("level", "id")
    assert [(lv.level, lv.role) for lv in rows] == [
        (1, DESK),
        (2, NETOPS),
        (3, CLOUD),
        (3, "Cisco platform support manager"),
        (3, MICROSOFT),
        (4, ON_CALL),
        (5, NOC),
        (6, VP),
        (7, CEO),
    ]
    by_role = {lv.role: lv for lv in rows}
    assert by_role[NETOPS].legacy_network_only and not by_role[CLOUD].legacy_network_only
    assert by_role[ON_CALL].on_call_calendar.key == "on-call"
    assert by_role[DESK].email == ""  # the desk is the intake itself: its people are told instead
    assert by_role[NOC].email and by_role[NOC].office_phone


def test_the_legacy_network_flag_is_in_the_admin():
    client = Client()
    client.force_login(ManagerFactory(is_superuser=True))
    page = client.get("/admin/accounts/organisation/add/").content.decode()
    assert 'name="legacy_network"' in page
    level = EscalationLevel.objects.get(role=NETOPS)
    page = client.get(f"/admin/sla/escalationpath/{level.path_id}/change/").content.decode()
    assert "legacy_network_only" in page and "-team" in page


def test_staff_see_the_customers_own_escalation_list_on_the_case_page():
    org = OrganisationFactory(name="Acme Dental")
    other = OrganisationFactory(name="Elsewhere")
    EscalationContact.objects.create(
        organisation=org, position=2, name="Fran Acme", title="Controller", phone="303-555-0104",
        email="fran@acme.example.com",
    )  # fmt: skip
    EscalationContact.objects.create(
        organisation=org, position=1, name="Dana Acme", title="IT Director", phone="303-555-0101",
        email="dana@acme.example.com",
    )  # fmt: skip
    EscalationContact.objects.create(organisation=other, position=1, name="Olive Other", phone="303-555-0199")
    case = make_case(by=customer(org))
    client = Client()
    client.force_login(StaffFactory())
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'data-testid="customer-escalation"' in page
    assert page.index("Dana Acme") < page.index("Fran Acme")
    assert "IT Director" in page and "303-555-0101" in page and "mailto:fran@acme.example.com" in page
    assert "Olive Other" not in page
