"""Every write of billing: drafts, finalization with a gapless number and the stored PDF,
one-off charges and credits, credit notes, disputes and their decisions, re-sends.

Finalization runs in one transaction: the invoice's row locked, its lines rebuilt from
what is not yet invoiced, the series' counter row locked and advanced, the PDF rendered and
stored with its SHA-256, and what it billed marked invoiced. A failure rolls all of it back,
number included, so numbers have no gaps. A finalized invoice is never changed again."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum

from casedesk.accounts.models import Organisation
from casedesk.billing import drafts, mailing, pdf
from casedesk.billing.access import billing_contact, require_billing_staff
from casedesk.billing.models import (
    Account,
    Adjustment,
    CreditNote,
    Dispute,
    Invoice,
    InvoiceLine,
    Issuer,
    NumberSeries,
)
from casedesk.cases import actions as case_actions
from casedesk.cases.models import CaseEvent, Channel
from casedesk.core import bulk, clock
from casedesk.core.errors import NotFound, Refused
from casedesk.escalation import actions as escalation
from casedesk.inventory.models import ChargeEvent
from casedesk.macd import timesheet
from casedesk.rules import invoicing
from casedesk.rules.invoicing import Period
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability

INVOICE_SERIES = "invoice"
CREDIT_SERIES = "credit_note"
BILLING_PATH = "billing"
DEFAULT_PREFIX = {INVOICE_SERIES: "INV", CREDIT_SERIES: "CN"}


def account(organisation: Organisation) -> Account:
    found = Account.objects.filter(organisation=organisation).first()
    return found or Account(organisation=organisation)


def take_number(key: str) -> tuple[NumberSeries, int]:
    """The next number of a series, under its row lock (held to the caller's commit)."""
    try:
        series = NumberSeries.objects.select_for_update().get(key=key)
    except NumberSeries.DoesNotExist:
        NumberSeries.objects.get_or_create(key=key, defaults={"prefix": DEFAULT_PREFIX.get(key, key.upper())})
        series = NumberSeries.objects.select_for_update().get(key=key)
    number = series.next_number
    series.next_number = number + 1
    series.save(update_fields=["next_number"])
    return series, number


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("organisation").get(pk=invoice.pk)


def _require_draft(invoice: Invoice) -> None:
    if invoice.finalized:
        raise Refused(
            f"Invoice {invoice.reference} is finalized and can no longer change; "
            "correct it with a credit note."
        )


def _write_lines(
    invoice: Invoice, lines: Sequence[drafts.Draft], *, fresh: bool = False
) -> tuple[list[InvoiceLine], invoicing.Totals]:
    """Replace the invoice's lines (`fresh`: it was created in this transaction, so it has none)."""
    if not fresh:
        InvoiceLine.objects.filter(invoice=invoice).delete()
    rows = [
        InvoiceLine(
            invoice=invoice,
            position=i,
            kind=d.calc.kind,
            description=d.description[:300],
            quantity=d.calc.quantity,
            unit_price=d.calc.unit_price,
            amount=d.calc.amount,
            tax_rate=d.calc.tax_rate,
            tax=d.calc.tax,
            **d.values,
        )
        for i, d in enumerate(lines, start=1)
    ]
    bulk.insert(rows)
    return rows, invoicing.totals(d.calc for d in lines)


def draft(organisation: Organisation, period: Period | str) -> Invoice:
    """The organisation's draft for `period`, its lines rebuilt from what is not yet
    invoiced (refused once finalized)."""
    period = Period.parse(str(period))
    now = clock.now()
    with transaction.atomic():
        invoice, _ = Invoice.objects.get_or_create(
            organisation=organisation,
            period=str(period),
            defaults={"created_at": now, "updated_at": now, "currency": account(organisation).currency},
        )
        invoice = _lock(invoice)
        _require_draft(invoice)
        _, sums = _write_lines(invoice, drafts.lines(organisation, period, drafts.taxes()))
        invoice.subtotal, invoice.tax, invoice.total = sums.subtotal, sums.tax, sums.total
        invoice.updated_at = now
        invoice.save(update_fields=["subtotal", "tax", "total", "updated_at"])
    return invoice


def delete_draft(invoice: Invoice, *, by: Any) -> None:
    require_billing_staff(by)
    with transaction.atomic():
        invoice = _lock(invoice)
        _require_draft(invoice)
        invoice.delete()


def finalize(
    invoice: Invoice, *, by: Any = None, tax: list[invoicing.Tax] | None = None, fresh: bool = False
) -> Invoice:
    """Finalize a draft: its lines rebuilt, the next number of the series, the PDF stored.
    Refused (nothing changed) if it is finalized already."""
    if by is not None:
        require_billing_staff(by)
    with transaction.atomic():
        invoice = _lock(invoice)
        if invoice.finalized:
            raise Refused(f"Invoice {invoice.reference} is already finalized; it was not changed.")
        organisation = invoice.organisation
        period = Period.parse(invoice.period)
        lines = drafts.lines(organisation, period, drafts.taxes() if tax is None else tax)
        rows, sums = _write_lines(invoice, lines, fresh=fresh)
        series, number = take_number(INVOICE_SERIES)
        now = clock.now()
        invoice.status = Invoice.Status.FINALIZED
        invoice.series, invoice.number = series, number
        invoice.reference = invoicing.reference(series.prefix, number)
        invoice.subtotal, invoice.tax, invoice.total = sums.subtotal, sums.tax, sums.total
        invoice.finalized_at = invoice.updated_at = now
        invoice.finalized_by = by
        invoice.pdf = pdf.render(
            invoice=invoice,
            lines=rows,
            issuer=Issuer.objects.order_by("id").first(),
            organisation=organisation,
        )
        invoice.pdf_sha256 = hashlib.sha256(invoice.pdf).hexdigest()
        invoice.save()
        _mark_billed(invoice, lines)
    return invoice


def _mark_billed(invoice: Invoice, lines: Sequence[drafts.Draft]) -> None:
    events = [d.values["charge_event"].pk for d in lines if d.values.get("charge_event")]
    if events:
        ChargeEvent.objects.filter(pk__in=events, invoiced_at__isnull=True).update(
            invoiced_at=invoice.finalized_at
        )
    entries = [pk for d in lines for pk in d.values.get("time_entry_ids", [])]
    if entries:
        timesheet.mark_invoiced(entries, reference=invoice.reference)
    adjustments = [d.values["adjustment"].pk for d in lines if d.values.get("adjustment")]
    if adjustments:
        Adjustment.objects.filter(pk__in=adjustments, invoice__isnull=True).update(invoice=invoice)
    notes = [d.values["credit_note"].pk for d in lines if d.values.get("credit_note")]
    if notes:
        CreditNote.objects.filter(pk__in=notes, carried_by__isnull=True).update(carried_by=invoice)


def issue(
    organisation: Organisation,
    period: Period | str,
    *,
    by: Any = None,
    tax: list[invoicing.Tax] | None = None,
) -> Invoice:
    """Finalize the organisation's invoice of `period` (its draft, or a new one) in one go:
    the run. `tax`: the taxes, read once by a caller that issues many."""
    period = Period.parse(str(period))
    now = clock.now()
    with transaction.atomic():
        invoice, created = Invoice.objects.get_or_create(
            organisation=organisation,
            period=str(period),
            defaults={"created_at": now, "updated_at": now, "currency": account(organisation).currency},
        )
        return finalize(invoice, by=by, tax=tax, fresh=created)


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise Refused(f"The {what} {value!r} is not an amount (e.g. 25.00 or -10.00).") from None
    if not amount.is_finite() or abs(amount) > invoicing.MAX_UNIT_PRICE:
        raise Refused(f"The {what} {value!r} is not an amount one may bill.")
    if amount != invoicing.cents(amount):
        raise Refused(f"The {what} {value} has more than two decimals.")
    return amount


def add_adjustment(
    organisation: Organisation,
    *,
    by: Any,
    description: str,
    amount: Any,
    site: str = "",
    cost_centre: str = "",
) -> Adjustment:
    """A one-off charge (positive) or credit (negative) for the next invoice."""
    require_billing_staff(by)
    text = case_actions.base.clean_text(
        description, "description", required=True, limit=300, single_line=True
    )
    value = _money(amount, "amount")
    if not value:
        raise Refused("A one-off charge or credit cannot be zero.")
    return Adjustment.objects.create(
        organisation=organisation,
        description=text,
        amount=value,
        site=(site or "").strip()[:100],
        cost_centre=(cost_centre or "").strip()[:100],
        by=by,
        created_at=clock.now(),
    )


def credited(invoice: Invoice) -> Decimal:
    return CreditNote.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def credit_note(invoice: Invoice, *, by: Any, amount: Any, reason: str) -> CreditNote:
    """A credit note against a finalized invoice, numbered in its own series; its amount is
    credited on the organisation's next invoice. Refused beyond what is left to credit."""
    require_billing_staff(by)
    text = case_actions.base.clean_text(reason, "reason", required=True, limit=500, single_line=True)
    value = _money(amount, "credit")
    with transaction.atomic():
        invoice = _lock(invoice)
        if not invoice.finalized:
            raise Refused(
                "A draft is corrected by changing what it bills; credit notes are for finalized invoices."
            )
        try:
            invoicing.credit_allowed(invoice.total, credited(invoice), value)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        series, number = take_number(CREDIT_SERIES)
        return CreditNote.objects.create(
            organisation=invoice.organisation,
            invoice=invoice,
            series=series,
            number=number,
            reference=invoicing.reference(series.prefix, number),
            amount=value,
            reason=text,
            by=by,
            created_at=clock.now(),
        )


def resend(invoice: Invoice, *, by: Any) -> int:
    """Queue the invoice's e-mail again, with the same stored PDF."""
    require_billing_staff(by)
    with transaction.atomic():
        invoice = _lock(invoice)
        if not invoice.finalized:
            raise Refused("A draft has no PDF to send yet; it is sent when the run finalizes it.")
        addresses = mailing.recipients(invoice.organisation, account(invoice.organisation).send_to)
        if not addresses:
            raise Refused(
                f"{invoice.organisation.name} has no financial contact or primary MPOC with an e-mail."
            )
        return mailing.queue(invoice, addresses, key=None)


# Disputes ---------------------------------------------------------------------------


def invoice_for_customer(user: Any, pk: int) -> Invoice:
    """A finalized invoice of the asker's organisation; any other answers NotFound."""
    contact = billing_contact(user)
    invoice = Invoice.objects.filter(
        pk=pk, organisation_id=contact.organisation_id, status=Invoice.Status.FINALIZED
    ).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def dispute(invoice: Invoice, *, by: Any, line_ids: Sequence[int], reason: str) -> Dispute:
    """A question about an invoice, or a dispute of some of its lines: a billing case on the
    billing escalation path, the lines listed on it."""
    contact = billing_contact(by)
    if invoice.organisation_id != contact.organisation_id or not invoice.finalized:
        raise NotFound("No such invoice.")
    text = case_actions.base.clean_text(reason, "reason", required=True, limit=2000)
    wanted = {int(i) for i in line_ids}
    lines = list(InvoiceLine.objects.filter(invoice=invoice, pk__in=wanted).order_by("position"))
    if len(lines) != len(wanted):
        raise Refused("Some of the lines disputed are not lines of this invoice.")
    amount = sum((ln.amount + ln.tax for ln in lines), Decimal("0.00"))
    listed = "\n".join(
        f"- line {ln.position}: {ln.description} ({invoice.currency} {ln.amount + ln.tax})" for ln in lines
    )
    what = f"Dispute of {len(lines)} line(s)" if lines else "Question"
    body = f"{what} on invoice {invoice.reference} ({invoice.period}).\n\n{text}"
    if lines:
        body += f"\n\nLines disputed ({invoice.currency} {amount}):\n{listed}"
    with transaction.atomic():
        opened = case_actions.open_cases(
            [
                case_actions.Opening(
                    by=by,
                    title=f"Billing: {what.lower()} on invoice {invoice.reference}",
                    description=body,
                    channel=Channel.PORTAL,
                    customer_ability=Ability.OPEN_CASE if contact.is_mpoc else Ability.SEE_BILLING,
                )
            ]
        )[0]
        if isinstance(opened, Refused):
            raise opened
        case = opened.case
        row = Dispute.objects.create(
            invoice=invoice, case=case, amount=amount, reason=text, by=by, created_at=clock.now()
        )
        row.lines.set(lines)
    _escalate_billing(case, by)
    return row


def _escalate_billing(case: Any, by: Any) -> None:
    """Onto the billing path. A path with no levels configured yet leaves the case in the
    queue, where triage routes it; the dispute stands either way."""
    with contextlib.suppress(Refused):
        escalation.escalate(
            case, by=by, path=BILLING_PATH, reason="Billing question or dispute from BillCenter."
        )


def decide(row: Dispute, *, by: Any, uphold: bool, note: str, amount: Any = None) -> Dispute:
    """Uphold (a credit note for the disputed amount, carried by the next invoice) or
    decline with a reason; the customer reads the decision on the case."""
    require_billing_staff(by)
    note = case_actions.base.clean_text(note, "reason", required=not uphold, limit=2000)
    with transaction.atomic():
        row = Dispute.objects.select_for_update().select_related("invoice", "case").get(pk=row.pk)
        if row.status != Dispute.Status.OPEN:
            raise Refused(f"This dispute was already {row.get_status_display().lower()}.")
        now = clock.now()
        if uphold:
            value = row.amount if amount in (None, "") else _money(amount, "credit")
            note_row = credit_note(
                row.invoice, by=by, amount=value, reason=f"Dispute upheld ({row.case.number})"
            )
            row.credit_note = note_row
            row.status = Dispute.Status.UPHELD
            body = (
                f"Upheld: credit note {note_row.reference} for {row.invoice.currency} {note_row.amount} "
                "will be credited on your next invoice." + (f"\n{note}" if note else "")
            )
        else:
            row.status = Dispute.Status.DECLINED
            body = f"Declined: {note}"
        row.decided_by, row.decided_at, row.decision_note = by, now, note
        row.save()
        # Billing staff answer billing cases by their billing right, not a general
        # commenting one: the decision goes on the case's timeline, where the customer reads it.
        case = case_actions.lock(row.case)
        case_actions.base.record(case, by, Actor.STAFF, CaseEvent.Kind.COMMENT, body=body)
    return row
