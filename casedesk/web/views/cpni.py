"""CPNI pages: the case page's caller-verification panel, marking a caller verified,
support passcodes (primary MPOC in the portal, staff in the console) and the disclosure log
with its CSV export."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casedesk.accounts import permissions
from casedesk.cases import selectors as cases
from casedesk.core import clock, paging
from casedesk.core.errors import NotFound, Refused
from casedesk.privacy import actions, exports, privacy_pdf, requests, selectors
from casedesk.rules import cpni
from casedesk.rules import privacy as privacy_rules
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_can, staff_required


def context(case: Any, user: Any, *, contacts: list[Any] | None = None) -> dict[str, Any]:
    """The case page's CPNI panel: the verification form until the caller is verified, then
    the organisation's CPNI, each showing logged. `contacts`: the organisation's active
    contacts as the page read them (`case_page.contacts`), each knowing `has_passcode`."""
    org = case.organisation
    if not selectors.may_see_cpni(user):
        return {"cpni": {"allowed": False}}
    verification, data = actions.reveal(user, org, case=case)
    panel: dict[str, Any] = {"allowed": True, "verification": verification, "methods": list(cpni.Method)}
    if verification is None:
        if contacts is not None:
            mpocs = [c for c in contacts if c.is_primary_mpoc or c.is_secondary_mpoc]
            mpocs.sort(key=lambda c: not c.is_primary_mpoc)  # stable: by name within each
            panel["contacts"] = [{"contact": c, "has_passcode": c.has_passcode} for c in mpocs]
            return {"cpni": panel}
        authorised = list(selectors.authorised_contacts(org))
        with_code = selectors.has_passcode([c.pk for c in authorised])
        panel["contacts"] = [{"contact": c, "has_passcode": c.pk in with_code} for c in authorised]
        return {"cpni": panel}
    panel["data"] = data
    return {"cpni": panel}


@staff_required
@require_POST
def verify(request: AuthedRequest, number: str) -> HttpResponse:
    case = cases.get_case(request.user, number)
    try:
        contact_id = int(request.POST.get("contact", "") or 0)
        actions.verify_caller(
            request.user,
            case,
            contact_id=contact_id,
            method=request.POST.get("method", ""),
            passcode=request.POST.get("passcode", ""),
        )
    except ValueError:
        messages.error(request, "Choose the caller.")
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Caller verified: account details are shown for this call.")
    return redirect(reverse("console:case", kwargs={"number": case.number}) + "#cpni")


# -- passcodes -----------------------------------------------------------------------------


def _set_passcode(request: AuthedRequest, contact_id: int) -> str:
    try:
        contact = actions.set_passcode(request.user, contact_id, request.POST.get("passcode", ""))
    except Refused as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, str(exc))
        return ""
    messages.success(request, f"Support passcode set for {contact.name}. The address of record was told.")
    return contact.name


@customer_required
@require_GET
def portal_passcodes(request: AuthedRequest) -> HttpResponse:
    me = permissions.customer_contact(request.user)
    org = me.organisation
    contacts = list(selectors.authorised_contacts(org))
    with_code = selectors.has_passcode([c.pk for c in contacts])
    return render(
        request,
        "portal/passcodes.html",
        {
            "organisation": org,
            "rows": [{"contact": c, "has_passcode": c.pk in with_code} for c in contacts],
            "may_set": me.is_primary_mpoc,
            "address_of_record": selectors.address_of_record(org),
            "min_length": cpni.PASSCODE_MIN,
        },
    )


@customer_required
@require_POST
def portal_passcode_set(request: AuthedRequest, contact_id: int) -> HttpResponse:
    try:
        _set_passcode(request, contact_id)
    except Refused as exc:
        return error_page(request, exc)
    return redirect("portal:passcodes")


@customer_required
@require_POST
def portal_address_of_record(request: AuthedRequest) -> HttpResponse:
    me = permissions.customer_contact(request.user)
    try:
        actions.set_address_of_record(request.user, me.organisation_id, request.POST.get("email", ""))
    except Refused as exc:
        if exc.status_code in (403, 404):
            return error_page(request, exc)
        messages.error(request, str(exc))
    else:
        messages.success(request, "Address of record changed. The previous address was told.")
    return redirect("portal:passcodes")


@staff_can(Ability.VIEW_CPNI)
@require_POST
def console_passcode_set(request: AuthedRequest, number: str) -> HttpResponse:
    case = cases.get_case(request.user, number)
    try:
        contact_id = int(request.POST.get("contact", "") or 0)
    except ValueError:
        contact_id = 0
    try:
        _set_passcode(request, contact_id)
    except Refused as exc:
        return error_page(request, exc)
    return redirect(reverse("console:case", kwargs={"number": case.number}) + "#cpni")


# -- the disclosure log ----------------------------------------------------------------------


def _day(value: str, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a date, zoned below
    except ValueError:
        return None
    moment = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return moment + (timedelta(days=1) if end else timedelta(0))


@staff_required
@require_GET
def disclosure_log(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    since, until = _day(request.GET.get("since", "")), _day(request.GET.get("until", ""), end=True)
    try:
        rows = selectors.disclosures(request.user, q=q, since=since, until=until)
    except Refused as exc:
        return error_page(request, exc)
    if request.GET.get("format") == "csv":
        return _csv(rows)
    number = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    found, has_next = paging.page(rows, number, 50)
    return render(
        request,
        "console/disclosures.html",
        {
            "rows": found,
            "page": number,
            "has_next": has_next,
            "q": q,
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
        },
    )


def _csv(rows: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cpni-disclosures.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    exports.disclosures_csv(rows, response)
    return response


# -- privacy requests ----------------------------------------------------------------------


def _client_address(request: Any) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def privacy_request_page(request: Any) -> HttpResponse:
    """The public page: anyone asks to know, correct or delete their data. The answer is
    the same whether the address is known or not."""
    context: dict[str, Any] = {"kinds": list(privacy_rules.Kind), "sent": False, "error": "", "posted": {}}
    status = 200
    if request.method == "POST":
        try:
            requests.submit(
                kind=request.POST.get("kind", ""),
                email=request.POST.get("email", ""),
                name=request.POST.get("name", ""),
                details=request.POST.get("details", ""),
                client=_client_address(request),
            )
        except Refused as exc:
            context.update(error=str(exc), posted=request.POST)
            status = exc.status_code
        else:
            context["sent"] = True
    return render(request, "site/privacy_request.html", context, status=status)


def privacy_confirm(request: Any, token: str) -> HttpResponse:
    """The link from the e-mail: a button that confirms (no change on GET)."""
    pending = requests.pending(token)
    if pending is None:
        return error_page(
            request, NotFound("This link has expired or was already used. Make the request again.")
        )
    if request.method == "POST":
        try:
            done = requests.confirm(token)
        except Refused as exc:
            return error_page(request, NotFound(str(exc)))
        return render(
            request, "site/privacy_confirm.html", {"done": done, "days": privacy_rules.RESPONSE_DAYS}
        )
    return render(request, "site/privacy_confirm.html", {"pending": pending})


@staff_can(Ability.PRIVACY)
@require_GET
def privacy_requests(request: AuthedRequest) -> HttpResponse:
    rows = list(selectors.privacy_requests(request.user, state=request.GET.get("state", "open"))[:200])
    now = clock.now()
    return render(
        request,
        "console/privacy_requests.html",
        {
            "rows": [
                {"r": r, "days_left": privacy_rules.days_left(r.due_at, now) if r.due_at else None}
                for r in rows
            ],
            "state": request.GET.get("state", "open"),
        },
    )


@staff_can(Ability.PRIVACY)
def privacy_request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    found = selectors.privacy_request(request.user, request_id)
    if request.method == "POST":
        act = request.POST.get("act", "")
        try:
            if act == "extend":
                requests.extend(request.user, found.pk, request.POST.get("reason", ""))
                messages.success(request, "Extended by 45 days; the requester was told why.")
            elif act == "erase":
                count = requests.erase(request.user, found.pk)
                messages.success(request, f"Erased: {count} contact record(s) anonymised in place.")
            elif act == "correct":
                count = requests.correct(
                    request.user,
                    found.pk,
                    name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                )
                messages.success(request, f"Corrected {count} contact record(s).")
            elif act in ("close", "refuse"):
                requests.close(
                    request.user, found.pk, request.POST.get("outcome", ""), refused=act == "refuse"
                )
                messages.success(request, "Answered; the requester was told.")
            else:
                raise Refused("Choose what to do with the request.")
        except Refused as exc:
            messages.error(request, str(exc))
        return redirect("console:privacy_request", request_id=found.pk)
    now = clock.now()
    return render(
        request,
        "console/privacy_request.html",
        {
            "r": found,
            "days_left": privacy_rules.days_left(found.due_at, now) if found.due_at else None,
            "kept": privacy_rules.KEPT_BY_LAW,
        },
    )


@staff_can(Ability.PRIVACY)
@require_GET
def privacy_export(request: AuthedRequest, request_id: int, fmt: str) -> HttpResponse:
    found = selectors.privacy_request(request.user, request_id)
    data = requests.person_data(request.user, found)
    if fmt == "pdf":
        body, content_type = privacy_pdf.render(data), "application/pdf"
    else:
        body, content_type = json.dumps(data, indent=2, ensure_ascii=False).encode(), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{found.number}.{"pdf" if fmt == "pdf" else "json"}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
