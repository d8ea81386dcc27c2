"""Reads of billing, scoped by who asks: a contact sees their organisation's finalized
invoices only (another organisation's answers NotFound); billing staff see every one."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact
from casedesk.billing.access import billing_contact, require_billing_staff
from casedesk.billing.models import Dispute, Invoice, InvoiceLine, Run
from casedesk.core.errors import Forbidden, NotFound
from casedesk.rules import invoicing
from casedesk.rules.invoicing import Period
from casedesk.rules.permissions import Ability

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def statements(user: Any) -> tuple[Contact, QuerySet[Invoice]]:
    contact = billing_contact(user)
    qs = Invoice.objects.filter(
        organisation_id=contact.organisation_id, status=Invoice.Status.FINALIZED
    ).order_by("-period", "-id")
    return contact, qs


def statement(user: Any, pk: int) -> Invoice:
    """One finalized invoice of the organisation the user may see the bills of. A partner's
    user who opened a customer's statement from the roll-up acts, in this request, for that
    customer (its delegate: what they do on it, a dispute, is recorded as such)."""
    org_id = Invoice.objects.filter(pk=pk).values_list("organisation_id", flat=True).first()
    contact = permissions.customer_contact(user)
    if org_id is None:
        raise NotFound("No such invoice.")
    if contact is not None and contact.organisation_id != org_id:
        # Another organisation's invoice is absent, whatever the asker may see of their own.
        if org_id not in permissions.reachable_organisations(user, Ability.SEE_BILLING):
            raise NotFound("No such invoice.")
        permissions.act_for(user, org_id)
    _, qs = statements(user)
    invoice = qs.select_related("organisation").filter(pk=pk).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice=invoice).order_by("position")


def groups(invoice: Invoice, field: str) -> list[tuple[str, Decimal]]:
    """Totals (with taxes) per site or cost centre, largest first."""
    rows = (
        InvoiceLine.objects.filter(invoice=invoice)
        .values(field)
        .annotate(s=Sum(F("amount") + F("tax")))
        .values_list(field, "s")
    )
    # SQLite sums decimals as floats: back to cents.
    return invoicing.by_group([(k, invoicing.cents(Decimal(str(v or 0)))) for k, v in rows])


@dataclass(frozen=True)
class Bar:
    period: str
    label: str
    total: Decimal
    x: int
    y: int
    height: int


def spend_chart(
    invoices: QuerySet[Invoice], today: date, *, width: int = 600, height: int = 160
) -> list[Bar]:
    """The last 12 months' totals as bars of an SVG (server-rendered; no script)."""
    months = invoicing.last_months(Period.of(today), 12)
    totals = dict(
        invoices.filter(period__gte=str(months[0]))
        .values("period")
        .annotate(s=Sum("total"))
        .values_list("period", "s")
    )
    top = max([v for v in totals.values() if v and v > 0] or [Decimal(1)])
    step = width // 12
    bars = []
    for i, period in enumerate(months):
        value = totals.get(str(period)) or Decimal("0.00")
        h = int(max(value, Decimal(0)) / top * (height - 20)) if value else 0
        bars.append(Bar(str(period), period.first_day.strftime("%b"), value, i * step + 4, height - h, h))
    return bars


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


CSV_HEADER = [
    "invoice",
    "period",
    "line",
    "kind",
    "description",
    "item_kind",
    "item_key",
    "site",
    "cost_centre",
    "quantity",
    "unit_price",
    "amount",
    "tax",
    "total",
    "currency",
]


def csv_rows(invoice: Invoice) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for ln in lines(invoice).iterator(chunk_size=500):
        yield writer.writerow(
            [
                invoice.reference,
                invoice.period,
                ln.position,
                ln.kind,
                _cell(ln.description),
                ln.item_kind,
                _cell(ln.item_key),
                _cell(ln.site),
                _cell(ln.cost_centre),
                ln.quantity,
                ln.unit_price,
                ln.amount,
                ln.tax,
                ln.amount + ln.tax,
                invoice.currency,
            ]
        )


def disputes_of(invoice: Invoice) -> QuerySet[Dispute]:
    return Dispute.objects.filter(invoice=invoice).select_related("case").order_by("-id")


# The console ---------------------------------------------------------------------------


def coming_period(today: date) -> Period:
    """The period the next run issues: this month's until its 27th, then next month's."""
    period = Period.of(today)
    return period if today.day < invoicing.RUN_DAY else period.next()


def provider_today() -> date:
    return timezone.localdate()


def drafts(user: Any, period: Period) -> list[dict[str, Any]]:
    """The period's drafts, each with last month's total beside it."""
    require_billing_staff(user)
    rows = list(
        Invoice.objects.filter(period=str(period), status=Invoice.Status.DRAFT)
        .select_related("organisation")
        .order_by("organisation__name")[:200]
    )
    previous = dict(
        Invoice.objects.filter(
            period=str(period.previous()),
            status=Invoice.Status.FINALIZED,
            organisation_id__in=[r.organisation_id for r in rows],
        ).values_list("organisation_id", "total")
    )
    return [
        {
            "invoice": r,
            "previous": previous.get(r.organisation_id),
            "changed": previous.get(r.organisation_id) != r.total,
        }
        for r in rows
    ]


def draft_differences(invoice: Invoice) -> list[dict[str, Any]]:
    """The draft's lines against last month's invoice, line by line (by what they bill)."""
    period = Period.parse(invoice.period)
    last = Invoice.objects.filter(
        organisation_id=invoice.organisation_id,
        period=str(period.previous()),
        status=Invoice.Status.FINALIZED,
    ).first()

    def keyed(inv: Invoice | None) -> dict[str, tuple[str, Decimal]]:
        if inv is None:
            return {}
        out: dict[str, tuple[str, Decimal]] = {}
        for ln in lines(inv):
            key = f"{ln.kind}:{ln.item_kind}:{ln.item_key}" if ln.item_key else f"{ln.kind}:{ln.description}"
            base = out.get(key, ("", Decimal(0)))[1]
            out[key] = (ln.description, base + ln.amount)
        return out

    now, before = keyed(invoice), keyed(last)
    changed = invoicing.differences({k: v[1] for k, v in before.items()}, {k: v[1] for k, v in now.items()})
    return [
        {
            "description": (now.get(k) or before.get(k) or ("", 0))[0],
            "before": b,
            "after": a,
            "new": k not in before,
        }
        for k, b, a in changed
    ]


def runs(user: Any) -> QuerySet[Run]:
    require_billing_staff(user)
    return Run.objects.order_by("-id")


def recent_invoices(user: Any, q: str = "") -> QuerySet[Invoice]:
    require_billing_staff(user)
    qs = Invoice.objects.filter(status=Invoice.Status.FINALIZED).select_related("organisation")
    if q:
        qs = qs.filter(Q(organisation__name__icontains=q) | Q(reference__iexact=q))
    return qs.order_by("-finalized_at", "-id")


def open_disputes(user: Any) -> QuerySet[Dispute]:
    require_billing_staff(user)
    return (
        Dispute.objects.filter(status=Dispute.Status.OPEN)
        .select_related("invoice__organisation", "case")
        .prefetch_related("lines")
        .order_by("id")
    )


def console_invoice(user: Any, pk: int) -> Invoice:
    require_billing_staff(user)
    invoice = Invoice.objects.select_related("organisation").filter(pk=pk).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


# A partner's BillCenter: every customer it may see the bills of -----------------------


@dataclass(frozen=True)
class Rollup:
    periods: list[str]  # newest first
    period: str  # the one shown line by line ("" when there is none)
    invoices: list[Invoice]  # of `period`, by customer
    per_period: list[tuple[str, str, Decimal, int]]  # period, currency, total, invoices
    per_customer: list[tuple[int, str, str, str, Decimal, int]]  # id, name, account, currency, total, n


ROLLUP_MONTHS = 12


def billed_customers(user: Any) -> list[int]:
    """The customers whose bills a partner's user (as themselves) may see, or Forbidden."""
    if permissions.acting_for(user) is None:
        ids = permissions.reachable_organisations(user, Ability.SEE_BILLING)
        if ids:
            return ids
    raise Forbidden(
        "The customers' BillCenter is for a partner's or rebiller's people with billing access to "
        "the customers it manages; ask your organisation's primary MPOC for that access."
    )


def _rollup_invoices(customers: list[int], today: date) -> QuerySet[Invoice]:
    first = invoicing.last_months(Period.of(today), ROLLUP_MONTHS)[0]
    return Invoice.objects.filter(
        organisation_id__in=customers, status=Invoice.Status.FINALIZED, period__gte=str(first)
    )


def rollup(user: Any, today: date, period: str = "") -> Rollup:
    """The last 12 months of every such customer's invoices: totals per period and per
    customer, and one period's invoices (the newest unless `period` names another). A fixed
    number of queries, however many customers."""
    invoices = _rollup_invoices(billed_customers(user), today)
    per_period = [
        (p, cur, invoicing.cents(Decimal(str(s or 0))), n)
        for p, cur, s, n in invoices.values("period", "currency")
        .annotate(s=Sum("total"), n=Count("id"))
        .values_list("period", "currency", "s", "n")
        .order_by("-period", "currency")
    ]
    per_customer = [
        (oid, name, account, cur, invoicing.cents(Decimal(str(s or 0))), n)
        for oid, name, account, cur, s, n in invoices.values(
            "organisation_id", "organisation__name", "organisation__account_number", "currency"
        )
        .annotate(s=Sum("total"), n=Count("id"))
        .values_list(
            "organisation_id", "organisation__name", "organisation__account_number", "currency", "s", "n"
        )
        .order_by("organisation__name", "organisation_id", "currency")
    ]
    periods = list(dict.fromkeys(p for p, *_ in per_period))
    chosen = period if period in periods else (periods[0] if periods else "")
    shown = list(
        invoices.filter(period=chosen)
        .select_related("organisation")
        .only(
            "pk",
            "period",
            "reference",
            "subtotal",
            "tax",
            "total",
            "currency",
            "finalized_at",
            "organisation__name",
            "organisation__account_number",
        )
        .order_by("organisation__name", "id")
    )
    return Rollup(periods, chosen, shown, per_period, per_customer)


ROLLUP_CSV_HEADER = [
    "customer",
    "account_number",
    "period",
    "invoice",
    "issued",
    "subtotal",
    "tax",
    "total",
    "currency",
]


def rollup_csv(user: Any, today: date) -> Iterator[str]:
    """Every such customer's invoices of the last 12 months, one row each (streamed)."""
    invoices = (
        _rollup_invoices(billed_customers(user), today)
        .order_by("-period", "organisation__name", "id")
        .values_list(
            "organisation__name",
            "organisation__account_number",
            "period",
            "reference",
            "finalized_at",
            "subtotal",
            "tax",
            "total",
            "currency",
        )
    )
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(ROLLUP_CSV_HEADER)
    for name, account, period, ref, issued, subtotal, tax, total, currency in invoices.iterator(
        chunk_size=500
    ):
        day = timezone.localdate(issued).isoformat() if issued else ""
        yield writer.writerow([_cell(name), _cell(account), period, ref, day, subtotal, tax, total, currency])
