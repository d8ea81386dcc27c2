"""Privacy requests: the public page answers alike, the link works once before it expires,
the deadline (45 days, one extension), export, and erasure everywhere the person appears."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casedesk.cases import actions as case_actions
from casedesk.outbox.models import OutboundMessage
from casedesk.privacy import requests
from casedesk.privacy.models import PrivacyRequest
from tests.factories import (
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    RepresentativeFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


def ask(email: str, kind: str = "delete"):
    return Client().post("/privacy/request/", {"kind": kind, "email": email})


def link_token(email: str) -> str:
    text = OutboundMessage.objects.filter(kind="privacy_confirm", to=email).latest("id").text
    return re.search(r"/privacy/confirm/([^/\s]+)/", text).group(1)


def test_the_answer_is_alike_for_known_and_unknown_addresses():
    ContactFactory(email="known@acme.example.com")
    known, unknown = ask("known@acme.example.com"), ask("nobody@nowhere.example.com")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)


def test_the_link_works_once_and_expires_and_get_changes_nothing():
    ask("visitor@example.com")
    token = link_token("visitor@example.com")
    client = Client()
    assert client.get(f"/privacy/confirm/{token}/").status_code == 200
    assert PrivacyRequest.objects.get().state == "unverified"
    assert client.post(f"/privacy/confirm/{token}/").status_code == 200
    assert PrivacyRequest.objects.get().state == "open"
    assert client.post(f"/privacy/confirm/{token}/").status_code == 404
    ask("late@example.com")
    late = link_token("late@example.com")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert client.post(f"/privacy/confirm/{late}/").status_code == 404


def test_requests_are_rate_limited():
    codes = [ask("flood@example.com").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_the_deadline_is_45_days_and_extends_once():
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        ask("ext@example.com")
        request = requests.confirm(link_token("ext@example.com"))
        assert request.due_at == start + timedelta(days=45)
        manager = ManagerFactory()
        traveller.shift(timedelta(days=40))
        request = requests.extend(manager, request.pk, "We are collecting archived records.")
        assert request.due_at == start + timedelta(days=90)
        from casedesk.core.errors import Refused

        with pytest.raises(Refused):
            requests.extend(manager, request.pk, "again")
        client = Client()
        client.force_login(manager)
        assert "(50 days left)" in client.get(f"/console/privacy/requests/{request.pk}/").content.decode()


def test_a_delete_anonymises_the_contact_everywhere_and_keeps_the_audit():
    org = OrganisationFactory()
    user = customer(org, name="Zelda Quinterro")
    contact = user.contact
    contact.email = user.email
    case = make_case(by=user, title="Fax line noisy")
    case_actions.add_comment(case, by=RepresentativeFactory(), body="We are on it")
    events_before = case.events.count()
    ask(contact.email)
    request = requests.confirm(link_token(contact.email))
    manager = ManagerFactory()
    address = contact.email
    requests.erase(manager, request.pk)
    contact.refresh_from_db()
    assert "Zelda" not in contact.name and contact.email.endswith(".invalid") and not contact.active
    case.refresh_from_db()
    assert case.contact_id == contact.pk and case.events.count() == events_before
    client = Client()
    client.force_login(manager)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "Zelda" not in html
    search = client.get("/console/search/?q=Zelda").content.decode()
    assert case.number not in search
    # the notices of the case, sent before, no longer carry the address
    assert OutboundMessage.objects.filter(case=case).exists()
    assert not OutboundMessage.objects.filter(to__iexact=address, case__isnull=False).exists()
    requests.close(manager, request.pk, "Your data is erased.")
    assert OutboundMessage.objects.filter(kind="privacy_outcome", to=address).exists()


def test_export_json_and_pdf_are_downloads():
    contact = ContactFactory(email="export@acme.example.com", name="Exa Porter")
    ask(contact.email, "know")
    request = requests.confirm(link_token(contact.email))
    client = Client()
    client.force_login(ManagerFactory())
    response = client.get(f"/console/privacy/requests/{request.pk}/export.json")
    assert (
        response["Content-Disposition"].startswith("attachment")
        and response["X-Content-Type-Options"] == "nosniff"
    )
    assert json.loads(response.content)["contacts"][0]["name"] == "Exa Porter"
    pdf = client.get(f"/console/privacy/requests/{request.pk}/export.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_requests_answer_404_to_customers_and_representatives():
    ask("x@example.com")
    request = requests.confirm(link_token("x@example.com"))
    for user in (customer(), RepresentativeFactory()):
        client = Client()
        client.force_login(user)
        assert client.get(f"/console/privacy/requests/{request.pk}/").status_code in (403, 404)


def test_a_delete_reaches_the_received_email_and_the_api():
    """The messages the person sent keep their place (case, outcome, fingerprint) but lose
    the bytes, sender and subject; a quarantined one is settled; the API shows no trace."""
    from casedesk.mail import intake
    from casedesk.mail.models import InboundMessage
    from tests.api.helpers import api_for
    from tests.mail.mailgen import make_mail

    org = OrganisationFactory()
    user = customer(org, name="Yusuf Quellbright")
    address = user.contact.email
    opened = intake.ingest(make_mail(address, subject="Fax line is noisy", body="Please call back."))
    assert opened.outcome == "created", opened
    quarantined = intake.ingest(make_mail(address, subject="Re: a case that never was", in_reply_to="<x@y>"))
    other = intake.ingest(make_mail(customer(org, name="Other Person").contact.email, subject="Mine"))
    ask(address)
    request = requests.confirm(link_token(address))
    manager = ManagerFactory()
    requests.erase(manager, request.pk)

    theirs = InboundMessage.objects.exclude(pk=other.inbound_id)
    assert theirs.count() >= 1
    for message in theirs:
        assert bytes(message.raw) == b"" and message.subject == "" and message.reading is None
        assert address.lower() not in message.sender.lower()
        assert message.state not in (InboundMessage.State.PENDING, InboundMessage.State.QUARANTINED)
    kept = InboundMessage.objects.get(pk=other.inbound_id)
    assert kept.subject == "Mine" and bytes(kept.raw)
    assert quarantined.inbound_id in set(theirs.values_list("pk", flat=True))

    case_number = opened.case
    detail = api_for(manager).get(f"/cases/{case_number}").json()
    # (the case's own words stay: the record of the service; the person in it does not)
    assert "Yusuf" not in json.dumps(detail) and address not in json.dumps(detail)
    assert detail["contact"]["name"].startswith("Erased person")
    found = api_for(manager).get("/cases?q=Quellbright&state=all").json()
    assert found["items"] == []


def test_a_delete_keeps_the_invoices_as_they_were():
    """Invoices are kept by law: an erasure of the financial contact leaves their totals,
    lines and stored PDF bytes as finalized."""
    from casedesk.billing import actions as billing
    from casedesk.billing.models import Invoice
    from tests.billing.helpers import world as billing_world

    w = billing_world()
    invoice = billing.finalize(billing.draft(w.org, "2026-11"))
    before = (invoice.subtotal, invoice.tax, invoice.total, bytes(invoice.pdf), invoice.pdf_sha256)
    lines = list(invoice.lines.values_list("amount", "tax").order_by("id"))
    address = w.fin.email
    ask(address)
    request = requests.confirm(link_token(address))
    assert requests.erase(ManagerFactory(), request.pk) == 1
    kept = Invoice.objects.get(pk=invoice.pk)
    assert (kept.subtotal, kept.tax, kept.total, bytes(kept.pdf), kept.pdf_sha256) == before
    assert list(kept.lines.values_list("amount", "tax").order_by("id")) == lines
