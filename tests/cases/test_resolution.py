"""A resolution and the customer's answer to it (SPEC §4): a reply on any channel puts the case
back In-Progress with its update clock running; a signed, single-use link in the resolution
notice confirms it; a resolution nobody confirms closes as Closed after two business days."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent
from casedesk.escalation import sweeps
from casedesk.mail import intake
from casedesk.outbox.models import OutboundMessage
from tests.api.helpers import api_for
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer, make_case
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


MONDAY = mt(2026, 11, 23, 10, 0)


def resolved_p1(by=None, *, at: datetime = MONDAY) -> Case:
    """A P1 answered at 10:05 and resolved at 10:10 (Monday)."""
    staff = StaffFactory()
    with time_machine.travel(at, tick=False):
        case = make_case(by=by or customer())
        actions.disposition(case, by=staff, priority="P1", team=None, assignee=staff)
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        actions.add_comment(case, by=staff, body="A technician is on it.")
    with time_machine.travel(at + timedelta(minutes=10), tick=False):
        actions.transition(case, to="resolved_follow_up", by=staff, note="Trunk restarted; please check.")
    case.refresh_from_db()
    assert case.status == "resolved_follow_up" and case.sla_paused and case.next_update_due is None
    return case


def assert_back_in_progress(case: Case, replied_at: datetime) -> None:
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert not case.sla_paused
    # The update clock runs again with what was left of it: 55 of the 60 minutes.
    assert case.next_update_due == replied_at + timedelta(minutes=55)
    assert case.auto_close_at is None
    moved = case.events.filter(kind=CaseEvent.Kind.STATUS).last()
    assert moved.changes["status"] == ["resolved_follow_up", "in_progress"]
    assert moved.actor_kind == "customer" and moved.at == replied_at


def test_a_portal_comment_on_a_resolved_case_puts_it_back_in_progress():
    user = customer()
    case = resolved_p1(user)
    client = Client()
    client.force_login(user)
    replied = mt(2026, 11, 23, 14, 0)
    with time_machine.travel(replied, tick=False):
        response = client.post(f"/portal/cases/{case.number}/comment/", {"body": "Still no dial tone."})
    assert response.status_code == 302
    assert_back_in_progress(case, replied)


def test_an_email_reply_to_a_resolved_case_puts_it_back_in_progress():
    org = OrganisationFactory()
    mpoc = ContactFactory(organisation=org, email="dana@acme.example.com", is_primary_mpoc=True)
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 23, 10, 0), tick=False):
        case = actions.open_case(by=staff, contact=mpoc, title="Trunk down", channel="phone", priority="P1")
        actions.add_comment(case, by=staff, body="On it.")
    with time_machine.travel(mt(2026, 11, 23, 10, 5), tick=False):
        actions.transition(case, to="resolved_follow_up", by=staff, note="Restarted.")
    replied = mt(2026, 11, 23, 15, 0)
    with time_machine.travel(replied, tick=False):
        result = intake.ingest(
            make_mail(mpoc.email, subject=f"Re: [{case.number}] Trunk down", body="Down again")
        )
    assert (result.outcome, result.case) == ("appended", case.number)
    case.refresh_from_db()
    assert case.status == "in_progress" and not case.sla_paused
    assert case.next_update_due == replied + timedelta(minutes=55)


def test_an_api_comment_on_a_resolved_case_puts_it_back_in_progress():
    user = customer()
    case = resolved_p1(user)
    replied = mt(2026, 11, 23, 16, 0)
    with time_machine.travel(replied, tick=False):
        response = api_for(user).post(f"/cases/{case.number}/comments", {"body": "Not fixed."})
    assert response.status_code == 201, response.content
    assert_back_in_progress(case, replied)


def test_a_staff_comment_on_a_resolved_case_leaves_it_resolved():
    case = resolved_p1()
    actions.add_comment(case, by=StaffFactory(), body="Let us know if it happens again.")
    case.refresh_from_db()
    assert case.status == "resolved_follow_up"


# -- the "Yes, it is fixed" link ------------------------------------------------------------------


def confirm_link(case: Case) -> str:
    notice = OutboundMessage.objects.filter(case=case, kind="case_resolved").latest("id")
    assert "Yes, it is fixed" in notice.text and "Yes, it is fixed" in notice.html
    match = re.search(r"https?://[^/\s]+(/confirm/[^\s\"<]+/)", notice.text)
    assert match, notice.text
    return match.group(1)


def test_the_resolution_notice_links_to_a_confirm_page_that_changes_nothing_until_posted():
    case = resolved_p1(at=datetime.now(tz=MT) - timedelta(hours=1))
    link = confirm_link(case)
    client = Client()  # not logged in: the link is the customer's key
    page = client.get(link)
    assert page.status_code == 200
    assert case.number in page.content.decode() and b'method="post"' in page.content
    case.refresh_from_db()
    assert case.status == "resolved_follow_up"  # GET changes nothing
    done = client.post(link)
    assert done.status_code == 200 and b"closed" in done.content
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    entry = case.events.filter(kind=CaseEvent.Kind.STATUS).last()
    assert entry.actor_kind == "customer" and entry.contact == case.contact
    assert entry.body == "The customer confirmed the resolution."  # as the portal's button
    # It works once: afterwards the link is unusable.
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404


def test_an_unusable_link_answers_404():
    case = resolved_p1(at=datetime.now(tz=MT) - timedelta(hours=1))
    link = confirm_link(case)
    client = Client()
    assert client.get(link[:-3] + "xx/").status_code == 404  # tampered
    with time_machine.travel(datetime.now(tz=MT) + timedelta(days=8)):
        assert client.get(link).status_code == 404  # expired
    # Reopened and resolved again: the old link is spent, the new one works.
    staff = StaffFactory()
    actions.transition(case, to="in_progress", by=staff)
    assert client.get(link).status_code == 404
    actions.transition(case, to="resolved_follow_up", by=staff, note="Fixed for good.")
    assert client.get(link).status_code == 404
    assert client.get(confirm_link(case)).status_code == 200


def test_only_a_contact_who_may_confirm_gets_a_link():
    org = OrganisationFactory()
    plain = ContactFactory(organisation=org, is_secondary_mpoc=False)
    staff = StaffFactory()
    mpoc = ContactFactory(organisation=org, is_primary_mpoc=True)
    case = actions.open_case(by=staff, contact=mpoc, title="Phones", channel="phone")
    Case.objects.filter(pk=case.pk).update(contact=plain)  # the organisation changed its MPOCs
    case.refresh_from_db()
    actions.transition(case, to="resolved_follow_up", by=staff, note="Done.")
    notice = OutboundMessage.objects.get(case=case, kind="case_resolved")
    assert "/confirm/" not in notice.text and "Yes, it is fixed" not in notice.text


# -- a resolution nobody confirms -----------------------------------------------------------------


def test_a_resolution_never_confirmed_closes_as_closed_and_may_still_be_reopened():
    user = customer()
    case = resolved_p1(user)  # resolved Monday 10:10
    case.refresh_from_db()
    assert case.auto_close_at == mt(2026, 11, 25, 10, 10) and case.close_warning_at is None
    with time_machine.travel(mt(2026, 11, 25, 10, 9), tick=False):
        assert sweeps.close_no_response(mt(2026, 11, 25, 10, 9)) == 0
    with time_machine.travel(mt(2026, 11, 25, 10, 10), tick=False):
        assert sweeps.close_no_response(mt(2026, 11, 25, 10, 10)) == 1
        assert sweeps.close_no_response(mt(2026, 11, 25, 10, 10)) == 0
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at == mt(2026, 11, 25, 10, 10)
    assert case.events.last().actor_kind == "system"
    closed = OutboundMessage.objects.get(case=case, kind="case_closed")
    assert "within 7 days" in closed.text
    assert not OutboundMessage.objects.filter(case=case, kind__in=["no_response", "no_response_warning"])
    with time_machine.travel(mt(2026, 12, 1, 10, 0), tick=False):  # six days later
        outcome, reopened = actions.request_reopen(case, by=user, note="It is back.")
    assert outcome == "reopen" and reopened.status == "customer_reopened"
