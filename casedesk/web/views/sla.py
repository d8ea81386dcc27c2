"""Escalation (portal and console), the published escalation paths, and the SLA report."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.accounts.permissions import is_staff
from casedesk.cases import selectors
from casedesk.chat import selectors as chat_selectors
from casedesk.core.errors import Forbidden, Refused
from casedesk.escalation import actions as escalation
from casedesk.escalation import selectors as sla_selectors
from casedesk.rules.permissions import Ability
from casedesk.rules.triage import Priority
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_can, staff_required


@login_required
@require_POST
def escalate(request: AuthedRequest, number: str) -> HttpResponse:
    """The Escalate button, on the portal's and the console's case page alike (each side's
    URL is for its own users: `portal_escalate`, `console_escalate`)."""
    case = selectors.get_case(request.user, number)
    side = "console" if is_staff(request.user) else "portal"
    if not permissions.can(request.user, Ability.ESCALATE):
        return error_page(request, Forbidden(permissions.refusal(request.user, Ability.ESCALATE)))
    reason = request.POST.get("reason", "").strip()
    if not reason and case.is_open:
        # Whoever is reached next must know why before they call anyone.
        return error_page(request, Refused("Say why the case is escalated: the reason is required."))
    try:
        case, reached = escalation.escalate(
            case, by=request.user, reason=reason, path=request.POST.get("path")
        )
    except Refused as exc:
        return error_page(request, exc)
    roles = ", ".join(dict.fromkeys(level.role for level in reached))
    path = reached[0].path
    where = "" if path.kind == escalation.SUPPORT else f" on the {str(path).lower()} path"
    messages.success(request, f"{case.number} is escalated{where} to level {reached[0].level}: {roles}.")
    return redirect(reverse(f"{side}:case", kwargs={"number": case.number}))


portal_escalate = customer_required(escalate)
console_escalate = staff_required(escalate)


@login_required
def escalation_paths(request: HttpRequest) -> HttpResponse:
    paths = sla_selectors.escalation_paths(request.user)
    return render(request, "web/escalation_paths.html", {"paths": paths})


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@staff_can(Ability.REPORTS)
def sla_report(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - timedelta(days=29))
    if start > end:
        start, end = end, start
    # A name or account number, typed or picked from the type-ahead: never a list of
    # every organisation.
    wanted = " ".join(request.GET.get("organisation", "").split())[:200]
    chosen = accounts.organisation_by_ref(wanted)
    if chosen is None and wanted.isdigit():  # links made when the filter took an id
        chosen = accounts.organisations_by_ids([int(wanted)]).first()
    unknown = ""
    if wanted and chosen is None:
        near = accounts.suggest_organisations(request.user, wanted, limit=6)
        unknown = f"No organisation is named “{wanted}” or has that account number" + (
            f"; did you mean {', '.join(o.name for o in near)}?" if near else "."
        )
    rows = sla_selectors.sla_report(start, end, organisation=chosen.pk if chosen else None)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        suffix = f"-{chosen.account_number}" if chosen else ""
        response["Content-Disposition"] = f'attachment; filename="sla-{start}-{end}{suffix}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "priority",
                "team",
                "first_responses",
                "first_responses_late",
                "first_response_within_target_pct",
                "updates",
                "updates_late",
                "updates_within_target_pct",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.priority,
                    _csv_safe(r.team),
                    r.responses,
                    r.responses_late,
                    r.response_pct,
                    r.updates,
                    r.updates_late,
                    r.update_pct,
                ]
            )
        return response
    return render(
        request,
        "console/sla_report.html",
        {
            "rows": rows,
            "start": start,
            "end": end,
            "chart": _chart(rows),
            "organisation": chosen,
            "organisation_wanted": wanted,
            "error": unknown,
            "labels": {p.value: p.label for p in Priority},
            "completions": sla_selectors.completion_report(
                start, end, organisation=chosen.pk if chosen else None
            ),
            "chat_satisfaction": chat_selectors.satisfaction(
                _day_start(start),
                _day_start(end + timedelta(days=1)),
                organisation=chosen.pk if chosen else None,
            ),
        },
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _csv_safe(value: str) -> str:
    # A team name opened in a spreadsheet must not run as a formula.
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value


def _chart(rows: list[sla_selectors.ReportRow]) -> dict[str, object]:
    """Bars per row (first responses and updates within target), laid out for an SVG."""
    bar_h, gap, label_w, width = 14, 10, 190, 420
    bars = []
    for index, row in enumerate(rows):
        y = index * (2 * bar_h + gap)
        bars.append(
            {
                "label": f"{Priority(row.priority).label} · {row.team}",
                "y": y,
                "y2": y + bar_h,
                "text_y": y + bar_h,
                "response": row.response_pct,
                "update": row.update_pct,
                "response_w": round(width * (row.response_pct or 0) / 100, 1),
                "update_w": round(width * (row.update_pct or 0) / 100, 1),
            }
        )
    return {
        "bars": bars,
        "height": max(1, len(rows)) * (2 * bar_h + gap) + 20,
        "label_w": label_w,
        "width": width,
        "bar_h": bar_h,
    }
