"""The lines an organisation's invoice for a period would carry now: its inventory's
recurring services for the month billed in advance, the changes not yet invoiced, MACD
requests' time and expedite fees, one-off charges and credits, and credit notes to carry.
Reads only; `actions` writes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from casedesk.accounts.models import Organisation
from casedesk.billing.models import Adjustment, CreditNote, TaxRule
from casedesk.inventory.models import ChargeEvent, Item
from casedesk.macd import fees
from casedesk.macd.models import TimeEntry
from casedesk.rules import billing as fee_rules
from casedesk.rules import invoicing
from casedesk.rules.approvals import State
from casedesk.rules.inventory import Kind
from casedesk.rules.invoicing import LineKind, Period
from casedesk.rules.macd import Speed


@dataclass
class Draft:
    """One line to write (`values` are InvoiceLine's fields) with its arithmetic."""

    calc: invoicing.Line
    description: str
    values: dict[str, Any] = field(default_factory=dict)


def taxes() -> list[invoicing.Tax]:
    return [
        invoicing.Tax(r.name, r.line_kind, r.rate)
        for r in TaxRule.objects.filter(active=True).order_by("line_kind", "name")
    ]


def _item_label(item: Item) -> str:
    try:
        kind = Kind(item.kind).label.capitalize()
    except ValueError:
        kind = item.kind
    title = item.title
    return f"{kind} {title}" + (f" ({item.detail})" if item.detail else "")


def lines(organisation: Organisation, period: Period, tax: list[invoicing.Tax]) -> list[Draft]:
    out: list[Draft] = []
    billed_month = period.next()
    items: dict[tuple[str, str], Item] = {}
    for item in (
        Item.objects.filter(organisation=organisation).order_by("kind", "key").iterator(chunk_size=500)
    ):
        items[(item.kind, item.key)] = item
        if not item.monthly_price:
            continue
        out.append(
            Draft(
                invoicing.line(LineKind.RECURRING, item.quantity, item.monthly_price, tax),
                f"{_item_label(item)}, {billed_month.label}",
                {
                    "item": item,
                    "item_kind": item.kind,
                    "item_key": item.key,
                    "site": item.site,
                    "cost_centre": item.cost_centre,
                },
            )
        )
    last_day = period.next().first_day
    events = ChargeEvent.objects.filter(
        organisation=organisation, invoiced_at__isnull=True, effective__lt=last_day
    ).order_by("effective", "id")
    for event in events:
        if not event.amount:
            continue
        held = items.get((event.kind, event.key))
        out.append(
            Draft(
                invoicing.line(LineKind.CHANGE, 1, event.amount, tax),
                f"{event.description}, from {event.effective:%Y-%m-%d} (pro-rated)",
                {
                    "charge_event": event,
                    "item": held,
                    "item_kind": event.kind,
                    "item_key": event.key,
                    "site": held.site if held else "",
                    "cost_centre": held.cost_centre if held else "",
                },
            )
        )
    out += _macd(organisation, tax)
    for adj in Adjustment.objects.filter(organisation=organisation, invoice__isnull=True).order_by("id"):
        out.append(
            Draft(
                invoicing.line(LineKind.ONE_OFF, 1, adj.amount, tax),
                adj.description,
                {"adjustment": adj, "site": adj.site, "cost_centre": adj.cost_centre},
            )
        )
    for note in CreditNote.objects.filter(organisation=organisation, carried_by__isnull=True).select_related(
        "invoice"
    ):
        out.append(
            Draft(
                invoicing.line(LineKind.CREDIT, 1, -note.amount, tax),
                f"Credit note {note.reference} on invoice {note.invoice.reference}: {note.reason}",
                {"credit_note": note},
            )
        )
    return out


def _macd(organisation: Organisation, tax: list[invoicing.Tax]) -> list[Draft]:
    entries = (
        TimeEntry.objects.filter(
            request__case__organisation=organisation,
            request__case__approval__in=[State.APPROVED, State.NOT_NEEDED],
            invoiced_at__isnull=True,
            minutes__isnull=False,
        )
        .select_related("request__case")
        .order_by("request_id", "id")
    )
    by_request: dict[int, list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        by_request[entry.request_id].append(entry)
    if not by_request:
        return []
    billed_before = set(
        TimeEntry.objects.filter(request_id__in=list(by_request), invoiced_at__isnull=False).values_list(
            "request_id", flat=True
        )
    )
    rates = fees.rates()
    out: list[Draft] = []
    for request_id, group in by_request.items():
        request = group[0].request
        minutes = sum(e.minutes or 0 for e in group)
        billed = fee_rules.billed_minutes(minutes, rates.increment_minutes)
        ids = [e.pk for e in group]
        common = {"request": request, "time_entry_ids": ids}
        number = request.case.number
        out.append(
            Draft(
                invoicing.line(LineKind.PROVISIONING, Decimal(billed) / 60, rates.hourly, tax),
                f"Provisioning, MACD request {number}: {minutes} min logged, {billed} min billed",
                dict(common),
            )
        )
        if request.speed == Speed.EXPEDITED and request_id not in billed_before:
            out.append(
                Draft(
                    invoicing.line(LineKind.EXPEDITE, 1, rates.expedite_fee, tax),
                    f"Expedite fee, MACD request {number}",
                    {"request": request},
                )
            )
    return out
