"""The console's reports area (managers and administrators): one page per report with
its filters, an SVG chart beside its table, and the same figures as CSV; and an MPOC's
figures in the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.accounts.permissions import customer_contact
from casedesk.cases.models import Channel, Kind
from casedesk.core.errors import Forbidden, Refused
from casedesk.reporting import charts, subscriptions
from casedesk.reporting import selectors as figures
from casedesk.reporting.tables import REPORTS, csv_for, filters_from
from casedesk.rules.permissions import Ability
from casedesk.rules.triage import Priority
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_can


def _choices() -> dict[str, Any]:
    return {
        "platforms": accounts.active_platforms().order_by("name"),
        "teams": accounts.teams(),
        "priorities": [(p.value, p.label) for p in Priority],
        "channels": Channel.choices,
        "kinds": Kind.choices,
    }


@staff_can(Ability.REPORTS)
def index(request: AuthedRequest) -> HttpResponse:
    titles = {r.slug: r.title for r in REPORTS.values()}
    return render(
        request,
        "console/reports/index.html",
        {"reports": REPORTS.values(), "subscriptions": subscriptions.mine(request.user), "titles": titles},
    )


@staff_can(Ability.REPORTS)
@require_POST
def subscribe(request: AuthedRequest) -> HttpResponse:
    try:
        sub = subscriptions.subscribe(
            by=request.user,
            report=request.POST.get("report", ""),
            filters={k: request.POST.get(k, "") for k in subscriptions.FILTER_KEYS},
            every=request.POST.get("every", ""),
            known=set(REPORTS),
        )
    except Refused as exc:
        return error_page(request, exc)
    messages.success(
        request, f"{REPORTS[sub.report].title} will be e-mailed to you {sub.get_every_display().lower()}."
    )
    return redirect("console:reports")


@staff_can(Ability.REPORTS)
@require_POST
def unsubscribe(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    try:
        subscriptions.unsubscribe(by=request.user, subscription_id=subscription_id)
    except Refused as exc:
        return error_page(request, exc)
    messages.success(request, "You will no longer receive that report.")
    return redirect("console:reports")


@staff_can(Ability.REPORTS)
def report(request: AuthedRequest, slug: str) -> HttpResponse:
    chosen = REPORTS.get(slug)
    if chosen is None:
        raise Http404
    f, wanted, unknown = filters_from(request.GET)
    chart_list, tables = chosen.build(f)
    if request.GET.get("format") == "csv":
        response = HttpResponse(csv_for(chosen, tables), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}-{f.start}-{f.end}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    params = f.as_params()
    if wanted and not unknown:
        params["organisation"] = wanted
    return render(
        request,
        "console/reports/report.html",
        {
            "report": chosen,
            "reports": REPORTS.values(),
            "filters": f,
            "organisation_wanted": wanted,
            "error": unknown,
            "charts": chart_list,
            "tables": tables,
            "csv_query": "&".join(f"{k}={v}" for k, v in params.items()),
            "params": params,
            **_choices(),
        },
    )


@customer_required
def portal_reports(request: AuthedRequest) -> HttpResponse:
    """An MPOC's figures for their own organisation: which one comes from who asks, never
    from the request."""
    contact = customer_contact(request.user)
    if contact is None or not permissions.can(request.user, Ability.VIEW_ORGANISATION_CASES):
        return error_page(
            request, Forbidden(permissions.refusal(request.user, Ability.VIEW_ORGANISATION_CASES))
        )
    months = figures.organisation_months(contact.organisation_id)
    chart = charts.over_time(
        [f"{m.month:%b %Y}" for m in months],
        [
            charts.Series("Opened", [m.opened for m in months]),
            charts.Series("Resolved", [m.resolved for m in months]),
        ],
        title="Cases opened and resolved per month",
    )
    return render(
        request,
        "portal/reports.html",
        {"organisation": contact.organisation, "months": months, "chart": chart},
    )
