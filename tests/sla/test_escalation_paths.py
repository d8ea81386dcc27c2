"""Billing, implementation, client success and sales are escalation paths a case walks, not
only lists: the path is chosen at escalation time (support by default), each path's level
is kept per case, and the timeline records the path and level with raw values."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.core.errors import Refused
from casedesk.escalation import actions as escalation
from casedesk.escalation import selectors
from casedesk.outbox.models import OutboundMessage
from tests.factories import StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db

PATHS = {
    "billing": [("Billing desk", "billing@example.com"), ("Billing manager", "billing.manager@example.com")],
    "implementation": [
        ("Implementation desk", "implementation@example.com"),
        ("Implementation manager", "impl.manager@example.com"),
    ],
    "client_success": [
        ("Client success manager", "success@example.com"),
        ("Director of client success", "success.director@example.com"),
    ],
    "sales": [("Account executive", "sales@example.com"), ("Sales director", "sales.director@example.com")],
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("kind", list(PATHS))
def test_each_path_is_walked_level_by_level(kind):
    user = customer()
    case = make_case(by=user)
    for number, (role, email) in enumerate(PATHS[kind], start=1):
        OutboundMessage.objects.all().delete()
        case, reached = escalation.escalate(case, by=user, path=kind, reason="Invoice is wrong")
        assert [(lv.path.kind, lv.level, lv.role) for lv in reached] == [(kind, number, role)]
        assert list(OutboundMessage.objects.filter(kind="escalation").values_list("to", flat=True)) == [email]
        event = case.events.filter(kind="escalation").last()
        assert event.changes == {f"{kind}_escalation_level": [number - 1 or None, number]}
        assert event.public and role in event.body and "Invoice is wrong" in event.body
    with pytest.raises(Refused, match="highest level"):
        escalation.escalate(case, by=user, path=kind)
    case.refresh_from_db()
    assert case.escalation_level == 0  # the support path was not walked
    assert selectors.case_levels(case) == {kind: 2}


def test_each_paths_level_is_kept_per_case_and_path():
    user = customer()
    case, other = make_case(by=user), make_case(by=user)
    escalation.escalate(case, by=user, path="billing")
    escalation.escalate(case, by=user, path="billing")
    case, reached = escalation.escalate(case, by=user)  # support, by default
    assert [lv.role for lv in reached] == ["Support desk"] and case.escalation_level == 1
    escalation.escalate(other, by=user, path="sales")
    assert selectors.case_levels(case) == {"support": 1, "billing": 2}
    assert selectors.case_levels(other) == {"sales": 1}
    support = case.events.filter(kind="escalation").last()
    assert support.changes == {"escalation_level": [None, 1]}


def test_an_unknown_path_is_refused():
    user = customer()
    with pytest.raises(Refused, match="No escalation path"):
        escalation.escalate(make_case(by=user), by=user, path="marketing")


def test_a_path_without_levels_says_so():
    from casedesk.sla.models import EscalationLevel

    EscalationLevel.objects.filter(path__kind="sales").delete()
    user = customer()
    with pytest.raises(Refused, match="sales escalation path has no levels"):
        escalation.escalate(make_case(by=user), by=user, path="sales")


def test_the_escalate_buttons_offer_each_path():
    user = customer()
    case = make_case(by=user)
    portal = logged_in(user)
    page = portal.get(f"/portal/cases/{case.number}/").content.decode()
    for kind in ("support", *PATHS):
        assert f'<option value="{kind}"' in page
    response = portal.post(
        f"/portal/cases/{case.number}/escalate/", {"path": "billing", "reason": "Overcharged"}
    )
    assert response.status_code == 302
    assert selectors.case_levels(case) == {"billing": 1}
    page = portal.get(response["Location"]).content.decode()
    assert "billing path" in page.lower() and "Billing desk" in page
    console = logged_in(StaffFactory())
    page = console.get(f"/console/cases/{case.number}/").content.decode()
    assert '<option value="implementation"' in page and "Billing: level 1" in page
    response = console.post(
        f"/console/cases/{case.number}/escalate/", {"path": "implementation", "reason": "Go-live slips"}
    )
    assert response.status_code == 302
    assert selectors.case_levels(case) == {"billing": 1, "implementation": 1}
    assert (
        console.post(f"/console/cases/{case.number}/escalate/", {"path": "nope", "reason": "x"}).status_code
        == 400
    )
