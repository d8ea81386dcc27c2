"""Invoices: drafts, finalization with gapless numbers and a stored PDF, immutability, credit
notes, one-off charges, disputes and their decisions."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from casedesk.billing import actions, pdf
from casedesk.billing.models import CreditNote, Dispute, Invoice, InvoiceLine, Issuer
from casedesk.cases.models import CaseEvent
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.inventory import actions as inventory_actions
from casedesk.inventory.models import ChargeEvent
from tests.billing.helpers import world
from tests.factories import PlatformFactory, StaffFactory, aware
from tests.inventory.helpers import licence, seat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(2026, 11, 27, 9, 0), tick=False):
        yield


def test_a_draft_has_no_number_and_totals_equal_its_lines():
    w = world(lines=4)
    invoice = actions.draft(w.org, "2026-11")
    assert invoice.status == "draft" and invoice.number is None and invoice.reference == ""
    lines = list(invoice.lines.all())
    assert len(lines) == 4
    assert all(ln.kind == "recurring" and "December 2026" in ln.description for ln in lines)
    assert invoice.subtotal == sum(ln.amount for ln in lines)
    assert invoice.tax == sum(ln.tax for ln in lines)
    assert invoice.total == invoice.subtotal + invoice.tax
    # quantities 1,2,1,2 at 19.99; 10.65 % tax on each line, rounded per line
    assert invoice.subtotal == Decimal("119.94")
    assert invoice.tax == Decimal("12.78")


def test_finalizing_numbers_stores_the_pdf_and_refuses_a_second_time():
    w = world()
    first = actions.finalize(actions.draft(w.org, "2026-11"))
    assert first.reference == "INV-000001" and first.number == 1
    assert first.pdf[:5] == b"%PDF-" and first.pdf_sha256 == hashlib.sha256(first.pdf).hexdigest()
    with pytest.raises(Refused, match="already finalized"):
        actions.finalize(first)
    with pytest.raises(Refused, match="can no longer change"):
        actions.draft(w.org, "2026-11")
    with pytest.raises(Refused, match="can no longer change"):
        actions.delete_draft(first, by=w.billing)
    stored = Invoice.objects.get(pk=first.pk)
    assert stored.number == 1 and bytes(stored.pdf) == bytes(first.pdf)
    other = world()
    assert actions.issue(other.org, "2026-11").reference == "INV-000002"


def test_the_pdf_text_matches_the_totals_and_lines():
    w = world(lines=5)
    Issuer.objects.update(name="Example Communications Inc.")
    invoice = actions.issue(w.org, "2026-11")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(invoice.pdf))).pages)
    assert "Example Communications Inc." in text and "1700 Lincoln Street" in text
    assert f"Invoice {invoice.reference}" in text
    assert f"USD {invoice.subtotal:,.2f}" in text
    assert f"USD {invoice.tax:,.2f}" in text
    assert f"USD {invoice.total:,.2f}" in text
    assert "Summary by site" in text and "Denver HQ" in text and "Summary by cost centre" in text
    for ln in invoice.lines.all():
        assert f"{ln.amount:,.2f}" in text and f"{ln.amount + ln.tax:,.2f}" in text
    assert text.count("Teams Phone") == 5


def test_the_same_invoice_renders_the_same_bytes():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    again = pdf.render(
        invoice=invoice,
        lines=list(invoice.lines.order_by("position")),
        issuer=Issuer.objects.first(),
        organisation=w.org,
    )
    assert again == bytes(invoice.pdf)


def test_changes_are_pro_rated_and_billed_once():
    w = world(lines=0)
    w.org.platforms.add(PlatformFactory(code="teams", name="Microsoft Teams"))
    staff = StaffFactory(staff_role="technician")
    with time_machine.travel(aware(2026, 11, 17, 10, 0), tick=False):
        inventory_actions.apply_changes(staff, w.org, [seat(), licence(price="30.00")])
    event = ChargeEvent.objects.get(organisation=w.org, amount__gt=0)
    assert event.amount == Decimal("14.00")  # 14 of November's 30 days
    invoice = actions.issue(w.org, "2026-11")
    kinds = sorted(invoice.lines.values_list("kind", "amount"))
    assert kinds == [("change", Decimal("14.00")), ("recurring", Decimal("30.00"))]
    event.refresh_from_db()
    assert event.invoiced_at is not None
    december = actions.draft(w.org, "2026-12")
    assert list(december.lines.values_list("kind", flat=True)) == ["recurring"]


def test_one_off_charges_and_credits_and_bad_input():
    w = world(lines=1)
    with pytest.raises(Forbidden):
        actions.add_adjustment(w.org, by=w.fin, description="x", amount="5")
    with pytest.raises(Refused, match="not an amount"):
        actions.add_adjustment(w.org, by=w.billing, description="Setup", amount="five")
    with pytest.raises(Refused, match="zero"):
        actions.add_adjustment(w.org, by=w.billing, description="Setup", amount="0")
    actions.add_adjustment(w.org, by=w.billing, description="On-site visit", amount="120.00", site="Boulder")
    actions.add_adjustment(w.org, by=w.billing, description="Goodwill credit", amount="-20.00")
    invoice = actions.issue(w.org, "2026-11")
    one_offs = list(invoice.lines.filter(kind="one_off").values_list("amount", "tax"))
    assert one_offs == [(Decimal("120.00"), Decimal("8.70")), (Decimal("-20.00"), Decimal("-1.45"))]
    assert invoice.total == sum(ln.amount + ln.tax for ln in invoice.lines.all())
    assert not actions.draft(w.org, "2026-12").lines.filter(kind="one_off").exists()


def test_credit_notes_have_their_own_series_and_cannot_exceed_the_invoice():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    with pytest.raises(Refused, match="more than is left"):
        actions.credit_note(invoice, by=w.billing, amount=invoice.total + Decimal("0.01"), reason="Too much")
    note = actions.credit_note(invoice, by=w.billing, amount="10.00", reason="Outage credit")
    assert note.reference == "CN-000001"
    with pytest.raises(Refused, match="more than is left"):
        actions.credit_note(invoice, by=w.billing, amount=invoice.total - Decimal("9.99"), reason="Again")
    assert CreditNote.objects.count() == 1
    draft = actions.draft(w.org, "2026-12")
    credit = draft.lines.get(kind="credit")
    assert credit.amount == Decimal("-10.00") and "CN-000001" in credit.description
    with pytest.raises(Refused, match="finalized invoices"):
        actions.credit_note(draft, by=w.billing, amount="1.00", reason="x")
    with pytest.raises(Forbidden):
        actions.credit_note(invoice, by=w.mpoc, amount="1.00", reason="x")


def test_a_dispute_opens_a_billing_case_and_an_upheld_one_credits_the_next_invoice():
    w = world(lines=3)
    invoice = actions.issue(w.org, "2026-11")
    line = invoice.lines.order_by("position").first()
    assert line is not None
    row = actions.dispute(invoice, by=w.fin, line_ids=[line.pk], reason="We cancelled this licence.")
    assert row.amount == line.amount + line.tax
    assert f"line {line.position}" in row.case.description and row.case.organisation_id == w.org.pk
    assert list(row.lines.all()) == [line]
    with pytest.raises(Forbidden):
        actions.decide(row, by=w.mpoc, uphold=True, note="")
    with pytest.raises(Refused, match="reason"):
        actions.decide(row, by=w.billing, uphold=False, note="")
    row = actions.decide(row, by=w.billing, uphold=True, note="Sorry about that.")
    assert row.status == "upheld" and row.credit_note is not None
    assert CaseEvent.objects.filter(case=row.case, kind="comment", body__contains="Upheld").exists()
    with pytest.raises(Refused, match="already upheld"):
        actions.decide(row, by=w.billing, uphold=False, note="No")
    with time_machine.travel(aware(2026, 12, 27, 9, 0), tick=False):
        december = actions.issue(w.org, "2026-12")
    credit = december.lines.get(kind="credit")
    assert credit.amount == -row.amount
    assert december.total == sum(ln.amount + ln.tax for ln in december.lines.all())


def test_a_declined_dispute_keeps_its_reason():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    row = actions.dispute(invoice, by=w.mpoc, line_ids=[], reason="Why is this higher?")
    row = actions.decide(row, by=w.billing, uphold=False, note="The new licences started in November.")
    assert row.status == "declined" and row.decision_note.startswith("The new")
    assert CreditNote.objects.count() == 0


def test_disputes_are_refused_across_organisations_and_for_plain_contacts():
    w, other = world(), world()
    invoice = actions.issue(w.org, "2026-11")
    theirs = actions.issue(other.org, "2026-11")
    with pytest.raises(NotFound):
        actions.dispute(theirs, by=w.fin, line_ids=[], reason="x")
    foreign_line = InvoiceLine.objects.filter(invoice=theirs).first()
    assert foreign_line is not None
    with pytest.raises(Refused, match="not lines of this invoice"):
        actions.dispute(invoice, by=w.fin, line_ids=[foreign_line.pk], reason="x")
    with pytest.raises(Forbidden, match="financial contacts and main points of contact"):
        actions.dispute(invoice, by=w.plain, line_ids=[], reason="x")
    assert Dispute.objects.count() == 0


def _png(width: int = 4, height: int = 2) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_the_issuer_logo_uploaded_in_the_admin_is_printed_on_the_invoice():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.factories import UserFactory

    issuer = Issuer.objects.get()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/billing/issuer/{issuer.pk}/change/"
    bad = client.post(
        url, {"name": "Example", "address": "x", "logo_file": SimpleUploadedFile("l.png", b"nope")}
    )
    assert bad.status_code == 200 and b"not a PNG or JPEG" in bad.content
    good = client.post(
        url, {"name": "Example", "address": "1 Main St", "logo_file": SimpleUploadedFile("l.png", _png())}
    )
    assert good.status_code == 302
    issuer.refresh_from_db()
    assert bytes(issuer.logo) == _png()
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    page = PdfReader(io.BytesIO(bytes(invoice.pdf))).pages[0]
    assert len(page.images) == 1
