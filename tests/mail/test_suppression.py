"""A complaint or a permanent bounce suppresses the address: case notices to it are held,
the case says why, staff see the list and lift it (POST only, who and when kept)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from casedesk.cases import actions
from casedesk.mail import intake
from casedesk.outbox import delivery, suppression
from casedesk.outbox.models import OutboundMessage, Suppression
from tests.factories import StaffFactory, customer

pytestmark = pytest.mark.django_db
FEEDBACK = Path(__file__).resolve().parent / "samples" / "feedback"


def _complaint_about(address: str) -> bytes:
    """The RFC 5965 example report, about mail to `address`."""
    return (FEEDBACK / "rfc5965-example.eml").read_bytes().replace(b"user@example.com", address.encode())


def test_a_complaint_suppresses_the_address_and_holds_the_cases_notices(desk):
    mpoc, staff = desk["mpoc"], StaffFactory()
    case = actions.open_case(by=mpoc, title="Trunk down", channel="portal")
    result = intake.ingest(_complaint_about(mpoc.email.lower()))
    assert result.outcome == "bounce"
    assert "ARF feedback report (RFC 5965): Feedback-Type: abuse" in (result.reason or "")
    assert "no more non-essential mail" in (result.reason or "")
    row = Suppression.objects.get()
    assert (row.address, row.reason, row.inbound_id) == (mpoc.email.lower(), "complaint", result.inbound_id)

    actions.add_comment(case, by=staff, body="We replaced the card.")
    held = OutboundMessage.objects.filter(case=case, to__iexact=mpoc.email).order_by("-id").first()
    assert held is not None and held.state == OutboundMessage.State.HELD
    assert "is suppressed (Complaint" in held.last_error
    delivery.deliver_due()
    held.refresh_from_db()
    assert held.state == OutboundMessage.State.HELD and held.sent_at is None

    client = Client()
    client.force_login(staff)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "Notices held" in page and mpoc.email.lower() in page


def test_a_permanent_bounce_suppresses_but_a_delay_does_not(desk):
    permanent = (FEEDBACK / "ses-bounce-suppressed.eml").read_bytes()
    transient = (FEEDBACK / "ses-bounce-transient.eml").read_bytes()
    assert intake.ingest(permanent).outcome == intake.ingest(transient).outcome == "bounce"
    assert list(Suppression.objects.values_list("address", "reason")) == [
        ("hi@simulator.amazonses.com", "bounce_permanent")
    ]
    assert intake.ingest(permanent).outcome == "duplicate"
    assert Suppression.objects.count() == 1


def test_mail_the_person_asked_for_still_goes():
    suppression.suppress("ann@example.org", reason="complaint", evidence="test", inbound_id=None)
    reset = delivery.enqueue(to="ann@example.org", kind="password_reset", subject="Reset", text="link")
    notice = delivery.enqueue(to="Ann@Example.org", kind="case_comment", subject="Update", text="hi")
    assert reset is not None and reset.state == OutboundMessage.State.PENDING
    assert notice is not None and notice.state == OutboundMessage.State.HELD


def test_a_row_queued_before_the_suppression_is_held_at_delivery():
    queued = delivery.enqueue(to="bob@example.org", kind="case_comment", subject="Update", text="hi")
    suppression.suppress("bob@example.org", reason="bounce_permanent", evidence="test", inbound_id=None)
    assert delivery.deliver_due()["held"] == 1
    queued.refresh_from_db()
    assert queued.state == OutboundMessage.State.HELD and "suppressed" in queued.last_error


def test_staff_see_the_list_and_lift_a_suppression_by_post_only(desk):
    result = intake.ingest(_complaint_about("carol@example.org"))
    row = Suppression.objects.get()
    staff, client = StaffFactory(), Client()
    client.force_login(staff)
    page = client.get("/console/mail/suppressed/").content.decode()
    assert "carol@example.org" in page and "Feedback-Type: abuse" in page
    assert f"/console/mail/{result.inbound_id}/" in page
    assert client.get(f"/console/mail/suppressed/{row.pk}/lift/").status_code == 405
    response = client.post(f"/console/mail/suppressed/{row.pk}/lift/", {"note": "Asked us to write again."})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (
        row.lifted_by == staff and row.lifted_at is not None and row.lift_note == "Asked us to write again."
    )
    assert suppression.active(["carol@example.org"]) == {}
    lifted = client.get("/console/mail/suppressed/?lifted=1").content.decode()
    assert "Asked us to write again." in lifted
    assert (
        client.post(f"/console/mail/suppressed/{row.pk}/lift/").status_code == 302
    )  # already lifted: a message


def test_customers_cannot_see_or_lift_suppressions():
    row = suppression.suppress("dan@example.org", reason="complaint", evidence="test", inbound_id=None)
    assert row is not None
    client = Client()
    client.force_login(customer())
    assert client.get("/console/mail/suppressed/").status_code in (403, 404)
    assert client.post(f"/console/mail/suppressed/{row.pk}/lift/").status_code in (403, 404)
    row.refresh_from_db()
    assert row.lifted_at is None
