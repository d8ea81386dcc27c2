"""Console pages for e-mail: quarantine review, and the original of an e-mail comment."""

from __future__ import annotations

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
