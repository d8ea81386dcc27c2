"""CPNI pages: the case page's caller-verification panel, marking a caller verified,
support passcodes (primary MPOC in the portal, staff in the console) and the disclosure log
with its CSV export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.cases import selectors as cases
from casedesk.core.errors import Refused
from casedesk.core import paging
from casedesk.privacy import actions, selectors
from casedesk.rules import cpni
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_can, staff_required


def context(case: Any, user: Any) -> dict[str, Any]:
    """The case page's CPNI panel: the verification form until the caller is verified, then
    the organisation's CPNI, each showing logged."""
    org = case.organisation
    if not selectors.may_see_cpni(user):
        return {"cpni": {"allowed": False}}
    verification = selectors.current_verification(user, org.pk)
    panel: dict[str, Any] = {"allowed": True, "verification": verification, "methods": list(cpni.Method)}
    if verification is None:
        contacts = list(selectors.authorised_contacts(org))
        with_code = selectors.has_passcode([c.pk for c in contacts])
        panel["contacts"] = [{"contact": c, "has_passcode": c.pk in with_code} for c in contacts]
        return {"cpni": panel}
    data = selectors.cpni_of(org)
    actions.disclose(
        user,
        org,
        list(data),
        reason=f"caller {verification.contact.name} verified by {cpni.Method(verification.method).label}",
        case=case,
        contact=verification.contact,
    )
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
        if exc.status_code == 404:
            raise
        messages.error(request, str(exc))
        return ""
    messages.success(request, f"Support passcode set for {contact.name}. The address of record was told.")
    return contact.name


@customer_required
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
        if exc.status_code == 404:
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
        {"rows": found, "page": number, "has_next": has_next, "q": q, "since": request.GET.get("since", ""), "until": request.GET.get("until", "")},
    )


def _csv(rows: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cpni-disclosures.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    writer = csv.writer(response)
    writer.writerow(["at (UTC)", "who", "action", "organisation", "account", "case", "fields", "why"])
    for row in rows.iterator():
        writer.writerow(
            [
                row.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                _safe(row.by_name),
                row.action,
                _safe(row.organisation.name),
                _safe(row.organisation.account_number),
                row.case.number if row.case else "",
                " ".join(row.fields),
                _safe(row.reason),
            ]
        )
    return response


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
