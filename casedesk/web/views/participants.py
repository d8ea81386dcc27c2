"""Who is copied on a case besides its contact: added and removed from the console (staff:
colleagues of the organisation and outside addresses) and the portal (main points of
contact: colleagues). The card on both case pages is `participant_tags.participants_card`."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.cases import actions, selectors
from casedesk.core.errors import Refused
from casedesk.web.forms import ParticipantForm
from casedesk.web.views import console, portal
from casedesk.web.views.common import AuthedRequest, customer_required, form_errors, staff_required

Page = Callable[..., HttpResponse]


def _add(request: AuthedRequest, number: str, side: str, page: Page) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    form = ParticipantForm(request.POST, organisation_id=case.organisation_id)
    if not form.is_valid():
        return page(request, number, status=400, error=form_errors(form))
    contact, address = form.cleaned_data["contact"], form.cleaned_data["address"].strip()
    try:
        added = actions.add_participants(
            case,
            by=request.user,
            contacts=[contact] if contact else [],
            addresses=[address] if address else [],
        )
    except Refused as exc:
        return page(request, number, status=exc.status_code, error=str(exc))
    messages.success(request, f"Copied on {case.number}: {', '.join(p.email for p in added)}.")
    return redirect(reverse(f"{side}:case", kwargs={"number": case.number}))


def _remove(request: AuthedRequest, number: str, participant_id: int, side: str, page: Page) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    try:
        removed = actions.remove_participant(case, participant_id, by=request.user)
    except Refused as exc:
        return page(request, number, status=exc.status_code, error=str(exc))
    messages.success(request, f"{removed.email} is no longer copied on {case.number}.")
    return redirect(reverse(f"{side}:case", kwargs={"number": case.number}))


@staff_required
@require_POST
def console_add(request: AuthedRequest, number: str) -> HttpResponse:
    return _add(request, number, "console", console._case_page)


@staff_required
@require_POST
def console_remove(request: AuthedRequest, number: str, participant_id: int) -> HttpResponse:
    return _remove(request, number, participant_id, "console", console._case_page)


@customer_required
@require_POST
def portal_add(request: AuthedRequest, number: str) -> HttpResponse:
    return _add(request, number, "portal", portal._case_page)


@customer_required
@require_POST
def portal_remove(request: AuthedRequest, number: str, participant_id: int) -> HttpResponse:
    return _remove(request, number, participant_id, "portal", portal._case_page)
