"""BillCenter in the portal (financial contacts and MPOCs: statements by month, every line,
the PDF, a CSV export, totals per site and cost centre, a 12-month chart, disputes) and the
billing pages of the console (drafts of the coming run, one-off charges and credits,
re-sends, disputes, the runs). Thin: selectors read, actions write."""

from __future__ import annotations

import itertools

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from casedesk.accounts.models import Organisation
from casedesk.billing import actions, run, selectors
from casedesk.billing.models import Dispute
from casedesk.core.errors import NotFound, Refused
from casedesk.core.paging import page
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_can
from casedesk.web.views.listing import page_number


def _download(body: bytes | StreamingHttpResponse, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type) if isinstance(body, bytes) else body
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a CSV is streamed: lines never all in memory


@customer_required
def billcenter(request: AuthedRequest, invoice_id: int | None = None) -> HttpResponse:
    # The statement first: opened from the customers' roll-up, it says whom the user acts for.
    invoice = selectors.statement(request.user, invoice_id) if invoice_id else None
    try:
        contact, invoices = selectors.statements(request.user)
    except Refused as exc:
        return error_page(request, exc)
    invoice = invoice or invoices.first()
    context = {
        "contact": contact,
        "org": contact.organisation,
        "invoices": list(
            invoices.only("pk", "period", "reference", "total", "currency", "finalized_at")[:36]
        ),
        "invoice": invoice,
        "chart": selectors.spend_chart(invoices, selectors.provider_today()),
    }
    if invoice is not None:
        context |= {
            "lines": list(selectors.lines(invoice)),
            "sites": selectors.groups(invoice, "site"),
            "cost_centres": selectors.groups(invoice, "cost_centre"),
            "disputes": list(selectors.disputes_of(invoice)),
        }
    return render(request, "web/billing/billcenter.html", context)


@customer_required
@require_safe
def customers(request: AuthedRequest) -> HttpResponse:
    """A partner's or rebiller's BillCenter: every customer it may see the bills of."""
    period = request.GET.get("period", "")[:7]
    try:
        rolled = selectors.rollup(request.user, selectors.provider_today(), period)
    except Refused as exc:
        return error_page(request, exc)
    return render(request, "web/billing/customers.html", {"rollup": rolled})


@customer_required
@require_safe
def customers_csv(request: AuthedRequest) -> HttpResponse:
    today = selectors.provider_today()
    try:
        rows = selectors.rollup_csv(request.user, today)
        first = next(rows)  # refused before anything is streamed
    except Refused as exc:
        return error_page(request, exc)
    stream = StreamingHttpResponse(itertools.chain([first], rows), content_type="text/csv; charset=utf-8")
    return _download(stream, f"customers-invoices-{today:%Y-%m}.csv", "text/csv; charset=utf-8")


@customer_required
def invoice_pdf(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.statement(request.user, invoice_id)
    return _download(bytes(invoice.pdf), f"{invoice.reference}.pdf", "application/pdf")


@customer_required
def invoice_csv(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.statement(request.user, invoice_id)
    stream = StreamingHttpResponse(selectors.csv_rows(invoice), content_type="text/csv; charset=utf-8")
    return _download(stream, f"{invoice.reference}.csv", "text/csv; charset=utf-8")


@customer_required
@require_POST
def dispute(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.statement(request.user, invoice_id)
    try:
        ids = [int(v) for v in request.POST.getlist("line")]
    except ValueError:
        return error_page(request, Refused("Choose the lines from the list."))
    try:
        row = actions.dispute(invoice, by=request.user, line_ids=ids, reason=request.POST.get("reason", ""))
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("portal:billing_invoice", kwargs={"invoice_id": invoice.pk}))
    messages.success(request, f"Sent to our billing team as case {row.case.number}; we answer on the case.")
    return redirect(reverse("portal:case", kwargs={"number": row.case.number}))


# The console --------------------------------------------------------------------------

billing_staff = staff_can(Ability.BILLING_CASES)


@billing_staff
def console_billing(request: AuthedRequest) -> HttpResponse:
    period = selectors.coming_period(selectors.provider_today())
    q = request.GET.get("q", "").strip()[:100]
    number = page_number(request)
    invoices, has_next = page(selectors.recent_invoices(request.user, q), number, 25)
    context = {
        "period": period,
        "drafts": selectors.drafts(request.user, period),
        "runs": list(selectors.runs(request.user)[:5]),
        "disputes": list(selectors.open_disputes(request.user)),
        "invoices": invoices,
        "has_next": has_next,
        "page": number,
        "q": q,
        "organisations": Organisation.objects.order_by("name").values_list("pk", "name")[:500],
    }
    return render(request, "web/billing/console.html", context)


@billing_staff
def console_invoice(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.console_invoice(request.user, invoice_id)
    context = {
        "invoice": invoice,
        "lines": list(selectors.lines(invoice)),
        "differences": selectors.draft_differences(invoice),
        "disputes": list(selectors.disputes_of(invoice)),
        "credit_notes": list(invoice.credit_notes.all()),
    }
    return render(request, "web/billing/console_invoice.html", context)


@billing_staff
def console_invoice_pdf(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.console_invoice(request.user, invoice_id)
    if not invoice.finalized:
        raise NotFound("A draft has no PDF yet.")
    return _download(bytes(invoice.pdf), f"{invoice.reference}.pdf", "application/pdf")


def _back(request: AuthedRequest) -> HttpResponse:
    return redirect(reverse("console:billing"))


@billing_staff
@require_POST
def prepare_drafts(request: AuthedRequest) -> HttpResponse:
    period = selectors.coming_period(selectors.provider_today())
    count = run.prepare_drafts(period, by=request.user)
    messages.success(request, f"{count} draft(s) for {period.label} prepared from what is billable now.")
    return _back(request)


@billing_staff
@require_POST
def add_adjustment(request: AuthedRequest) -> HttpResponse:
    org = Organisation.objects.filter(pk=request.POST.get("organisation") or 0).first()
    if org is None:
        messages.error(request, "Choose the organisation.")
        return _back(request)
    try:
        adj = actions.add_adjustment(
            org,
            by=request.user,
            description=request.POST.get("description", ""),
            amount=request.POST.get("amount", ""),
            site=request.POST.get("site", ""),
            cost_centre=request.POST.get("cost_centre", ""),
        )
    except Refused as exc:
        messages.error(request, str(exc))
        return _back(request)
    kind = "charge" if adj.amount > 0 else "credit"
    messages.success(request, f"One-off {kind} of {adj.amount} for {org.name} goes on its next invoice.")
    return _back(request)


@billing_staff
@require_POST
def resend(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.console_invoice(request.user, invoice_id)
    try:
        count = actions.resend(invoice, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invoice {invoice.reference} queued again to {count} recipient(s).")
    return redirect(reverse("console:billing_invoice", kwargs={"invoice_id": invoice.pk}))


@billing_staff
@require_POST
def decide(request: AuthedRequest, dispute_id: int) -> HttpResponse:
    row = Dispute.objects.filter(pk=dispute_id).first()
    if row is None:
        raise NotFound("No such dispute.")
    uphold = request.POST.get("decision") == "uphold"
    try:
        row = actions.decide(
            row,
            by=request.user,
            uphold=uphold,
            note=request.POST.get("note", ""),
            amount=request.POST.get("amount"),
        )
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        what = f"upheld: credit note {row.credit_note.reference}" if row.credit_note else "declined"
        messages.success(request, f"Dispute on {row.case.number} {what}.")
    return _back(request)
