"""The plan's own words on pages and notices: "New Case", and the priorities as the plan
names them, Priority 1 to Priority 4 and Priority 1G (Global) (SPEC §3, §5)."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.cases import actions
from casedesk.cases.models import PRIORITY_CHOICES, Case
from casedesk.outbox.models import OutboundMessage
from tests.api.helpers import api_for
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_priorities_carry_the_plans_names():
    assert dict(PRIORITY_CHOICES) == {
        "P1": "Priority 1",
        "P2": "Priority 2",
        "P3": "Priority 3",
        "P4": "Priority 4",
        "P1G": "Priority 1G (Global)",
    }


def test_portal_pages_say_new_case_and_name_the_priority():
    platform = PlatformFactory(name="Hosted Voice")
    user = customer(OrganisationFactory(platforms=[platform]))
    client = logged_in(user)
    listing = client.get("/portal/").content.decode()
    assert ">New Case<" in listing and "Open a case" not in listing
    form = client.get("/portal/cases/new/").content.decode()
    assert "<h1>New Case</h1>" in form and "Priority 4" in form
    response = client.post(
        "/portal/cases/new/",
        {"title": "No dial tone", "description": "Reception", "platform": platform.pk},
        follow=True,
    )
    page = response.content.decode()
    case = Case.objects.get()
    assert f"New Case {case.number} is open as Priority 4" in page
    assert 'data-testid="priority">Priority 4<' in page
    assert "Priority 4" in client.get("/portal/").content.decode()


def test_console_pages_name_the_priority():
    tech = StaffFactory()
    case = make_case()
    actions.disposition(case, by=tech, priority="P1", team=None, assignee=tech)
    client = logged_in(tech)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'data-testid="priority">Priority 1<' in page
    queue = client.get("/console/queue/open/").content.decode()
    assert "Priority 1" in queue and ">New Case for a caller<" in queue
    timeline = [row for e in case.events.all() for row in e.changes.get("priority", [])]
    assert timeline == [None, "P4", "P4", "P1"]  # raw values stored; labels only shown


def test_the_case_opened_notice_names_the_priority_and_says_review_only_while_awaiting_it():
    user = customer()
    mine = make_case(by=user)
    notice = OutboundMessage.objects.get(case=mine, kind="case_opened")
    assert "New Case" in notice.subject
    assert "Priority: Priority 4 (until our staff review it)" in notice.text
    staff = StaffFactory()
    mpoc = ContactFactory(organisation=OrganisationFactory(), is_primary_mpoc=True)
    called = actions.open_case(by=staff, contact=mpoc, title="Trunk down", channel="phone", priority="P2")
    notice = OutboundMessage.objects.get(case=called, kind="case_opened")
    assert "Priority: Priority 2." in notice.text or "Priority: Priority 2 " in notice.text
    assert "until our staff review it" not in notice.text and "until our staff review it" not in notice.html


def test_the_api_gives_the_priority_label_too():
    user = customer()
    case = make_case(by=user)
    body = api_for(user).get(f"/cases/{case.number}").json()
    assert (body["priority"], body["priority_label"]) == ("P4", "Priority 4")
