"""Console pages for e-mail: quarantine review, and the original of an e-mail comment."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from casedesk.cases.models import Case
from casedesk.mail import intake
from casedesk.mail.models import InboundMessage
from tests.factories import ContactFactory, StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_quarantine_list_detail_and_raw(staff_client):
    result = intake.ingest(make_mail("stranger@elsewhere.example.org", subject="<script>alert(1)</script>"))
    page = staff_client.get("/console/mail/")
    assert page.status_code == 200 and b"stranger@elsewhere.example.org" in page.content
    assert b"<script>alert(1)</script>" not in page.content  # escaped
    detail = staff_client.get(f"/console/mail/{result.inbound_id}/")
    assert (
        detail.status_code == 200 and b"Unknown sender" in detail.content and b"Message-ID" in detail.content
    )
    raw = staff_client.get(f"/console/mail/{result.inbound_id}/raw/")
    assert raw["Content-Disposition"].startswith("attachment") and raw.content == bytes(
        InboundMessage.objects.get().raw
    )


def test_accept_opens_a_case_for_the_chosen_contact_and_replies_then_thread(staff_client):
    contact = ContactFactory(email="new.person@elsewhere.example.org")
    result = intake.ingest(make_mail("New.Person@elsewhere.example.org", subject="Hi", message_id="<q1@x>"))
    assert result.outcome == "created"  # a known MPOC: not quarantined
    stranger = intake.ingest(make_mail("boss@elsewhere.example.org", subject="From the boss"))
    assert stranger.outcome == "quarantined"
    response = staff_client.post(f"/console/mail/{stranger.inbound_id}/accept/", {"contact": contact.pk})
    case = Case.objects.get(title="From the boss")
    assert response.status_code == 302 and response["Location"].endswith(f"/console/cases/{case.number}/")
    row = InboundMessage.objects.get(pk=stranger.inbound_id)
    assert row.state == "accepted" and row.case == case and row.event is not None
    # the boss's address is on the thread now: a reply threads and is appended
    follow = intake.ingest(
        make_mail("boss@elsewhere.example.org", subject=f"Re: [{case.number}]", body="more")
    )
    assert (follow.outcome, follow.case) == ("appended", case.number)
    page = staff_client.get(f"/console/cases/{case.number}/")
    assert f"/console/mail/{stranger.inbound_id}/".encode() in page.content


def test_reject(staff_client):
    result = intake.ingest(make_mail("spam@elsewhere.example.org"))
    response = staff_client.post(f"/console/mail/{result.inbound_id}/reject/")
    assert response.status_code == 302
    assert InboundMessage.objects.get().state == "rejected"
    again = staff_client.post(f"/console/mail/{result.inbound_id}/reject/")
    assert again.status_code == 302  # refused with a message, nothing changes
    assert not Case.objects.exists()


def test_customers_are_kept_out():
    from tests.factories import customer

    client = Client()
    client.force_login(customer())
    result = intake.ingest(make_mail("stranger@elsewhere.example.org"))
    for url in (
        "/console/mail/",
        f"/console/mail/{result.inbound_id}/",
        f"/console/mail/{result.inbound_id}/raw/",
    ):
        assert client.get(url).status_code == 403


SAMPLES = Path(__file__).resolve().parents[1] / "mail" / "samples"


def test_the_recognised_kind_is_kept_and_the_list_filters_by_it(staff_client):
    mpoc = ContactFactory(is_primary_mpoc=True)
    raws = [
        (SAMPLES / "sisimai" / "email-opensmtpd-03.eml").read_bytes(),  # permanent bounce
        (SAMPLES / "sisimai" / "email-kddi-01.eml").read_bytes(),  # transient: mailbox full
        (SAMPLES / "feedback" / "rfc5965-example.eml").read_bytes(),  # complaint
        make_mail(mpoc.email, subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
        make_mail(mpoc.email, subject="A person's new case"),
    ]
    results = [intake.ingest(raw) for raw in raws]
    kinds = [InboundMessage.objects.get(pk=r.inbound_id).automatic for r in results]
    assert kinds == ["bounce_permanent", "bounce_transient", "complaint", "auto_reply", ""]
    every = staff_client.get("/console/mail/?state=done")
    assert every.status_code == 200
    assert every.content.count(b'data-testid="mail-row"') == 5
    assert b"Bounce (permanent)" in every.content and b"Complaint" in every.content
    bounces = staff_client.get("/console/mail/?state=done&automatic=bounce_permanent")
    assert bounces.content.count(b'data-testid="mail-row"') == 1
    assert b"Delivery status notification: error" in bounces.content
    # an unknown kind is no filter at all
    odd = staff_client.get("/console/mail/?state=done&automatic=%3Cscript%3E")
    assert odd.content.count(b'data-testid="mail-row"') == 5 and b"<script>" not in odd.content
