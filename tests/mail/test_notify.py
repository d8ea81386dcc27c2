"""Notifications: written with the event, delivered over real SMTP, threaded back in."""

from __future__ import annotations

from email.utils import make_msgid

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.mail import intake
from casedesk.outbox import delivery, threading
from casedesk.outbox.models import MessageLink, OutboundMessage
from tests.factories import StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(desk):
    result = intake.ingest(make_mail(desk["mpoc"].email, subject="Fax line dead & buzzing"))
    return Case.objects.get(pk=int(result.case.split("-")[1]))


def kinds(case: Case) -> list[str]:
    return list(OutboundMessage.objects.filter(case=case).values_list("kind", flat=True))


def test_what_the_customer_hears(opened):
    staff = StaffFactory()
    actions.add_comment(opened, by=staff, body="Internal: vendor says bad card", public=False)
    assert kinds(opened) == ["case_opened"]  # never internal notes
    actions.add_comment(opened, by=staff, body="We are replacing the card today.")
    actions.add_comment(opened, by=opened.contact, body="thanks")  # own comment: no echo
    actions.transition(opened, to="on_hold", by=staff, hold_until=opened.opened_at.replace(year=2099))
    actions.transition(opened, to="in_progress", by=staff)
    actions.transition(opened, to="closed", by=staff, resolution="Card replaced.")
    assert kinds(opened) == ["case_opened", "staff_reply", "status_changed", "status_changed", "case_closed"]
    reply = OutboundMessage.objects.get(case=opened, kind="staff_reply")
    assert "Auto-Submitted" not in reply.headers  # a person wrote it
    assert "replacing the card" in reply.text and "replacing the card" in reply.html
    closed = OutboundMessage.objects.get(case=opened, kind="case_closed")
    assert closed.headers["Auto-Submitted"] == "auto-generated" and "Card replaced." in closed.text
    assert closed.subject == f"[{opened.number}] Closed: Fax line dead & buzzing"


def test_the_no_response_notice(opened):
    staff = StaffFactory()
    actions.transition(opened, to="in_progress", by=staff)
    actions.transition(opened, to="closed_no_response", by=None, note="No reply after two business days.")
    notice = OutboundMessage.objects.get(case=opened, kind="no_response")
    assert "have had no\nanswer" in notice.text and "new case" in notice.text


def test_every_message_threads_on_the_case(opened):
    staff = StaffFactory()
    actions.add_comment(opened, by=staff, body="First answer")
    actions.add_comment(opened, by=staff, body="Second answer")
    ack, first, second = OutboundMessage.objects.filter(case=opened).order_by("id")
    assert set(
        MessageLink.objects.filter(case=opened, direction="out").values_list("message_id", flat=True)
    ) == {
        ack.message_id,
        first.message_id,
        second.message_id,
    }
    assert second.headers["In-Reply-To"] == first.message_id
    refs = second.headers["References"].split()
    assert refs[0] == ack.message_id and first.message_id in refs
    assert ack.headers["In-Reply-To"] == opened.inbound.get().message_id


def test_delivered_over_smtp_and_a_reply_threads_back(opened, smtp):
    actions.add_comment(opened, by=StaffFactory(), body="Please try again now.")
    assert delivery.deliver_due()["sent"] == 2
    received = {m["Subject"]: m for m in smtp.messages}
    reply_sent = next(m for s, m in received.items() if s.startswith("Re:"))
    assert reply_sent["In-Reply-To"] and reply_sent["References"]
    assert reply_sent["Reply-To"] == threading.support_address(opened, to=reply_sent["To"])
    assert reply_sent.get_body(("html",)) is not None
    answer = make_mail(
        opened.contact.email,
        subject="Re: no tag here",
        body="Works now, thanks!\n\nOn Monday, Support wrote:\n> Please try again now.",
        message_id=make_msgid(domain="client.example.net"),
        in_reply_to=reply_sent["Message-ID"],
    )
    result = intake.ingest(answer)
    assert (result.outcome, result.case) == ("appended", opened.number)
    assert opened.events.filter(kind="comment").last().body == "Works now, thanks!"
