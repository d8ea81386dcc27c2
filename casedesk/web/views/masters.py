"""Console pages for master cases (P1G): list and suggestions, create or promote, the
incident console with its update countdown, children, updates and resolution."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casedesk.accounts import selectors as accounts
from casedesk.cases import selectors as case_selectors
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules.permissions import Ability
from casedesk.status import masters, selectors
from casedesk.status.models import Impact, IncidentState
from casedesk.web.views.common import AuthedRequest, staff_can


def _ids(request: AuthedRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


@staff_can(Ability.MASTER_CASES)
def master_list(request: AuthedRequest, error: str = "", status: int = 200) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "console/masters.html",
        {
            "incidents": selectors.masters(),
            "suggestions": selectors.master_suggestions(now),
            "platforms": accounts.active_platforms(),
            "organisations": accounts.active_organisations(),
            "impacts": Impact.choices,
            "error": error,
            "form": request.POST if error else {},
            "chosen": {
                "platforms": request.POST.getlist("platforms") if error else [],
                "organisations": request.POST.getlist("organisations") if error else [],
            },
        },
        status=status,
    )


@staff_can(Ability.MASTER_CASES)
@require_POST
def master_new(request: AuthedRequest) -> HttpResponse:
    try:
        case = masters.create_master(
            by=request.user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            platforms=accounts.platforms_by_ids(_ids(request, "platforms")),
            organisations=accounts.organisations_by_ids(_ids(request, "organisations")),
            impact=request.POST.get("impact", Impact.MAJOR),
            children=request.POST.get("children", "").replace(",", " ").split(),
        )
    except Refused as exc:
        # Nothing was created: the form comes back as the agent filled it, with the reason.
        return master_list(request, error=str(exc), status=400)
    return redirect("console:master", number=case.number)


@staff_can(Ability.MASTER_CASES)
@require_POST
def promote(request: AuthedRequest, number: str) -> HttpResponse:
    case = case_selectors.get_case(request.user, number)
    masters.promote(case, by=request.user, body=request.POST.get("body", "") or case.title)
    return redirect("console:master", number=case.number)


@staff_can(Ability.MASTER_CASES)
def master_detail(request: AuthedRequest, number: str) -> HttpResponse:
    case, incident = selectors.get_master(request.user, number)
    now = clock.now()
    due = incident.next_update_due
    return render(
        request,
        "console/master.html",
        {
            "case": case,
            "incident": selectors.get_incident(incident.pk),
            "children": selectors.children(case),
            "states": IncidentState.choices,
            "impacts": Impact.choices,
            "seconds_left": int((due - now).total_seconds()) if due else None,
            "platforms": accounts.active_platforms(),
        },
    )


@staff_can(Ability.MASTER_CASES)
@require_POST
def master_update(request: AuthedRequest, number: str) -> HttpResponse:
    case, incident = selectors.get_master(request.user, number)
    impacts = {}
    for row in incident.impacts.all():
        value = request.POST.get(f"impact_{row.platform_id}")
        if value:
            impacts[row.platform_id] = value
    added = request.POST.get("add_platform", "")
    if added.isdigit():
        impacts[int(added)] = request.POST.get("add_impact", Impact.DEGRADED)
    masters.post_update(
        case,
        by=request.user,
        body=request.POST.get("body", ""),
        state=request.POST.get("state"),
        impacts=impacts,
    )
    messages.success(request, "Update posted and sent.")
    return redirect("console:master", number=case.number)


@staff_can(Ability.MASTER_CASES)
@require_POST
def master_link(request: AuthedRequest, number: str) -> HttpResponse:
    case, _ = selectors.get_master(request.user, number)
    numbers = request.POST.get("children", "").replace(",", " ").split()
    if not numbers:
        raise Refused("Give the numbers of the cases to link.")
    for child in numbers:
        masters.link_child(case, case_selectors.get_case(request.user, child), by=request.user)
    return redirect("console:master", number=case.number)


@staff_can(Ability.MASTER_CASES)
@require_POST
def master_unlink(request: AuthedRequest, number: str) -> HttpResponse:
    case, _ = selectors.get_master(request.user, number)
    child = case_selectors.get_case(request.user, request.POST.get("child", ""))
    masters.unlink_child(case, child, by=request.user)
    return redirect("console:master", number=case.number)


@staff_can(Ability.MASTER_CASES)
@require_POST
def master_resolve(request: AuthedRequest, number: str) -> HttpResponse:
    case, _ = selectors.get_master(request.user, number)
    masters.resolve_master(case, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, "Resolved; every child case is now Resolved Follow-up Required.")
    return redirect("console:master", number=case.number)
