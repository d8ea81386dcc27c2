"""The published Client Support Plan (SPEC §10): public pages, and one PDF of them, made
from the live data by `helpcenter.plan_data` on every request (a handful of small reads)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casedesk.core import clock
from casedesk.helpcenter import plan_data, plan_pdf


def _page(request: HttpRequest, template: str, section: str, **context: object) -> HttpResponse:
    return render(request, f"helpcenter/plan_{template}.html", {"section": section, **context})


def overview(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "overview",
        "overview",
        priorities=plan_data.priorities(),
        hours=plan_data.hours(),
        rules=plan_data.lifecycle_rules(),
        kinds=plan_data.maintenance_kinds(),
    )


def priorities(request: HttpRequest) -> HttpResponse:
    return _page(request, "priorities", "priorities", priorities=plan_data.priorities())


def hours(request: HttpRequest) -> HttpResponse:
    return _page(request, "hours", "hours", hours=plan_data.hours())


def statuses(request: HttpRequest) -> HttpResponse:
    return _page(
        request, "statuses", "statuses", statuses=plan_data.statuses(), rules=plan_data.lifecycle_rules()
    )


def escalation(request: HttpRequest) -> HttpResponse:
    return _page(request, "escalation", "escalation", paths=plan_data.escalation_paths())


def maintenance(request: HttpRequest) -> HttpResponse:
    windows = [(w, plan_data.window_words(w)) for w in plan_data.windows()]
    return _page(
        request,
        "maintenance",
        "maintenance",
        kinds=plan_data.maintenance_kinds(),
        windows=windows,
        upcoming=plan_data.upcoming(clock.now()),
    )


def pdf(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(plan_pdf.build(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="client-support-plan.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
