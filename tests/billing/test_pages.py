"""BillCenter and the console's billing pages: who may open them, tenancy, downloads."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casedesk.billing import actions
from casedesk.billing.models import Adjustment, Dispute
from tests.billing.helpers import world
from tests.factories import StaffFactory, aware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(2026, 12, 2, 9, 0), tick=False):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_financial_contact_sees_statements_lines_groups_and_the_chart():
    w = world(lines=3)
    invoice = actions.issue(w.org, "2026-11")
    page = signed_in(w.fin).get(reverse("portal:billing"))
    assert page.status_code == 200
    html = page.content.decode()
    assert invoice.reference in html and f"{invoice.total}" in html
    assert "Denver HQ" in html and "CC-100" in html and "<svg" in html
    assert html.count('name="line"') == 3
    assert signed_in(w.mpoc).get(reverse("portal:billing")).status_code == 200


def test_a_plain_contact_is_refused_with_a_reason():
    w = world()
    actions.issue(w.org, "2026-11")
    page = signed_in(w.plain).get(reverse("portal:billing"))
    assert page.status_code == 403
    assert "financial contacts and main points of contact" in page.content.decode()
    assert "Fiona" in page.content.decode()


def test_downloads_are_attachments_with_nosniff_and_the_stored_bytes():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    client = signed_in(w.fin)
    pdf = client.get(reverse("portal:billing_pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content == bytes(invoice.pdf)
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.reference}.pdf"'
    assert pdf["X-Content-Type-Options"] == "nosniff"
    csv = client.get(reverse("portal:billing_csv", args=[invoice.pk]))
    body = b"".join(csv.streaming_content).decode()
    assert csv["Content-Disposition"].startswith("attachment;") and csv["X-Content-Type-Options"] == "nosniff"
    assert body.count("\n") == 1 + invoice.lines.count() and invoice.reference in body


def test_another_organisations_invoice_answers_404_everywhere():
    w, other = world(), world()
    theirs = actions.issue(other.org, "2026-11")
    client = signed_in(w.fin)
    for name in ("portal:billing_invoice", "portal:billing_pdf", "portal:billing_csv"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    response = client.post(reverse("portal:billing_dispute", args=[theirs.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert Dispute.objects.count() == 0
    draft = actions.draft(w.org, "2026-12")
    assert client.get(reverse("portal:billing_pdf", args=[draft.pk])).status_code == 404


def test_a_dispute_from_the_page_opens_a_billing_case():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    line = invoice.lines.first()
    response = signed_in(w.fin).post(
        reverse("portal:billing_dispute", args=[invoice.pk]), {"line": [line.pk], "reason": "Not ours"}
    )
    row = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:case", args=[row.case.number]
    )
    assert list(row.lines.all()) == [line]


def test_the_console_pages_are_for_billing_staff():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    tech = signed_in(StaffFactory(staff_role="technician"))
    assert tech.get(reverse("console:billing")).status_code == 403
    staff = signed_in(w.billing)
    page = staff.get(reverse("console:billing"))
    assert page.status_code == 200 and invoice.reference in page.content.decode()
    assert staff.get(reverse("console:billing_invoice", args=[invoice.pk])).status_code == 200
    response = staff.post(
        reverse("console:billing_adjustment"),
        {"organisation": w.org.pk, "description": "Site survey", "amount": "75.00"},
    )
    assert response.status_code == 302 and Adjustment.objects.get().amount == 75
    staff.post(reverse("console:billing_prepare"))
    draft = w.org and actions.draft(w.org, "2026-12")
    page = staff.get(reverse("console:billing_invoice", args=[draft.pk])).content.decode()
    assert "Differences from last month" in page and "Site survey" in page
    assert staff.post(reverse("console:billing_resend", args=[invoice.pk])).status_code == 302
    assert invoice.mails.count() == 2  # financial contact and primary MPOC, again
