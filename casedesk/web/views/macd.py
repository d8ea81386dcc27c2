"""MACD request pages: raising one in the portal (with the estimated fee and, where the
customer could make the change, the self-administration page), approving or declining,
the request's live panel in portal and console, staff's time entries and extensions, and
the approvers' e-mailed link (a confirm page: nothing changes on GET)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from casedesk.accounts import permissions
from casedesk.accounts.permissions import customer_contact
from casedesk.cases.models import Channel
from casedesk.core.errors import NotFound, Refused
from casedesk.macd import actions, changes, fees, selectors, timesheet
from casedesk.rules import billing
from casedesk.rules.macd import Speed
from casedesk.rules.permissions import Ability
from casedesk.solutions import selectors as solutions
from casedesk.web.views import console, portal
from casedesk.web.views.common import AuthedRequest, customer_required, error_page, staff_required

ROWS = 5  # change rows the form offers (a request may list more through the API)
# The self-administration page of each kind of item, where the customer can make the change
# themselves (URL names of the portal's inventory pages).
SELF_SERVICE = "portal:inventory_change"


def _posted_changes(post: Any) -> list[dict[str, str]]:
    out = []
    for i in range(ROWS):
        chosen = post.get(f"type_{i}", "")
        if not chosen:
            continue
        kind, _, op = chosen.partition(":")
        out.append(
            {"kind": kind, "op": op, "key": post.get(f"key_{i}", ""), "details": post.get(f"details_{i}", "")}
        )
    return out


def label_of(change: dict[str, Any]) -> str:
    return changes.label(changes.type_key(change["kind"], change["op"]))


def _self_service_url(change: dict[str, Any]) -> str:
    """The portal's change page for this change, filled in (the inventory's self-administration)."""
    try:
        base = reverse(SELF_SERVICE)
    except NoReverseMatch:
        return ""
    query = {"kind": change["kind"], "op": change["op"]}
    if change.get("key"):
        query["key"] = change["key"]
    return f"{base}?{urlencode(query)}"


def _may_self_administer(user: Any) -> bool:
    return permissions.can(user, Ability.MANAGE_INVENTORY)


@customer_required
def new(request: AuthedRequest) -> HttpResponse:
    asked = portal.choose_customer(request, Ability.APPROVE_MACD, "macd_new")
    if asked is not None:
        return asked
    contact = customer_contact(request.user)
    post = request.POST
    error, preview = None, None
    may = permissions.can(request.user, Ability.APPROVE_MACD)
    wanted = _posted_changes(post) if request.method == "POST" else []
    guides = solutions.guides(request.user)
    if not may:
        error = permissions.mpoc_refusal(contact, Ability.APPROVE_MACD)
    elif request.method == "POST":
        speed = post.get("speed", Speed.STANDARD)
        try:
            cleaned = changes.clean(wanted)
            if speed not in Speed.__members__.values():
                raise Refused("Choose Standard or Expedited.")
            if post.get("action") == "submit":
                case = actions.submit(
                    actions.Submission(
                        by=request.user,
                        title=post.get("title", ""),
                        description=post.get("description", ""),
                        changes=cleaned,
                        speed=speed,
                        urgent=post.get("urgent") == "on",
                        channel=Channel.PORTAL,
                    )
                )
                messages.success(
                    request,
                    f"MACD request {case.number} is submitted ({case.get_approval_display().lower()}).",
                )
                return redirect(reverse("portal:case", kwargs={"number": case.number}))
            estimate = fees.estimate(changes.typical_minutes(cleaned), speed)
            mine = _may_self_administer(request.user)
            preview = {
                "changes": [
                    (
                        changes.label(changes.type_key(c["kind"], c["op"])),
                        c,
                        _self_service_url(c) if mine else "",
                        guides.get(changes.type_key(c["kind"], c["op"])),
                    )
                    for c in cleaned
                ],
                "estimate": estimate,
                "total": billing.money(estimate.total),
                "time_charge": billing.money(estimate.time_charge),
                "expedite_fee": billing.money(estimate.expedite_fee),
                "self_service": mine,
            }
        except Refused as exc:
            error = str(exc)
    rows = [
        (i, wanted[i] if i < len(wanted) else {"kind": "", "op": "", "key": "", "details": ""})
        for i in range(ROWS)
    ]
    rates = fees.rates()
    return render(
        request,
        "portal/macd_new.html",
        {
            "contact": contact,
            "types": changes.catalogue(),
            "guides": [(t.label, guides[t.key]) for t in changes.catalogue() if t.key in guides],
            "rows": rows,
            "posted": post,
            "error": error,
            "preview": preview,
            "may": may,
            "hourly": billing.money(rates.hourly),
            "expedite": billing.money(rates.expedite_fee),
        },
        status=403 if not may else (400 if error else 200),
    )


@customer_required
@require_POST
def decide(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    approve = request.POST.get("decision") == "approve"
    try:
        state = actions.decide(
            case, by=request.user, approve=approve, via=actions.Via.PORTAL, note=request.POST.get("note", "")
        )
    except Refused as exc:
        return portal._case_page(request, number, status=exc.status_code, error=str(exc))
    messages.success(
        request, f"You {'approved' if approve else 'declined'} {case.number}: {state.label.lower()}."
    )
    return redirect(reverse("portal:case", kwargs={"number": case.number}))


def _live(request: AuthedRequest, number: str, side: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    body = render_to_string(
        "web/_macd_panel.html",
        {"macd": selectors.panel(case, request.user), "side": side, "case": case},
        request=request,
    )
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@customer_required
def portal_live(request: AuthedRequest, number: str) -> HttpResponse:
    return _live(request, number, "portal")


@staff_required
def console_live(request: AuthedRequest, number: str) -> HttpResponse:
    return _live(request, number, "console")


def _back(number: str) -> HttpResponse:
    return redirect(reverse("console:case", kwargs={"number": number}) + "#macd")


def _refused(request: AuthedRequest, number: str, exc: Refused) -> HttpResponse:
    """The console's case page again, saying what was refused and why, with its status."""
    return console._case_page(request, number, status=exc.status_code, error=str(exc))


def _minutes(request: HttpRequest) -> int:
    """Minutes from "16", "1:05" (h:mm) or hours and minutes fields; a refusal if unreadable."""
    text = request.POST.get("minutes", "").strip()
    try:
        if ":" in text:
            hours, _, mins = text.partition(":")
            return int(hours) * 60 + int(mins)
        return int(text)
    except ValueError:
        raise Refused(
            f"“{text[:20]}” is not a duration: give minutes (16) or hours and minutes (1:05)."
        ) from None


@staff_required
@require_POST
def log_time(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    try:
        minutes = _minutes(request)
        timesheet.log_time(case, by=request.user, minutes=minutes, note=request.POST.get("note", ""))
    except Refused as exc:
        return _refused(request, number, exc)
    messages.success(request, f"Logged {minutes} min on {case.number}.")
    return _back(case.number)


@staff_required
@require_POST
def timer(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    try:
        if request.POST.get("action") == "stop":
            entry = timesheet.stop_timer(case, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, f"Timer stopped: {entry.minutes} min logged.")
        else:
            timesheet.start_timer(case, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, "Timer started.")
    except Refused as exc:
        return _refused(request, number, exc)
    return _back(case.number)


@staff_required
@require_POST
def edit_time(request: AuthedRequest, number: str, entry_id: int) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    try:
        if not case.macd.time_entries.filter(pk=entry_id).exists():
            raise NotFound("No such time entry.")
        timesheet.edit_entry(
            entry_id, by=request.user, minutes=_minutes(request), note=request.POST.get("note", "")
        )
    except Refused as exc:
        return _refused(request, number, exc)
    messages.success(request, "Time entry corrected.")
    return _back(case.number)


@staff_required
@require_POST
def extend(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    try:
        hours = request.POST.get("hours", "").strip()
        try:
            minutes = round(float(hours) * 60)
        except ValueError:
            raise Refused(f"“{hours[:20]}” is not a number of business hours.") from None
        case = actions.extend(case, by=request.user, minutes=minutes, note=request.POST.get("note", ""))
    except Refused as exc:
        return _refused(request, number, exc)
    messages.success(request, f"The completion target of {case.number} moved; the customer is told why.")
    return _back(case.number)


@staff_required
@require_POST
def apply(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_request(request.user, number)
    try:
        outcome = actions.apply(case, by=request.user)
    except Refused as exc:
        return _refused(request, number, exc)
    messages.success(request, f"{outcome.count} change(s) made in the inventory of {case.organisation.name}.")
    return _back(case.number)


@never_cache
@require_http_methods(["GET", "POST"])
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """An approver's e-mailed link: the request and two buttons; only a button decides."""
    try:
        row = actions.link_approval(token)
    except Refused as exc:
        return error_page(request, exc)
    case = row.request.case
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            case, state = actions.decide_by_link(token, approve=approve, note=request.POST.get("note", ""))
        except Refused as exc:
            return error_page(request, exc)
        return render(
            request,
            "web/macd_approval_done.html",
            {"case": case, "contact": row.contact, "approved": approve, "state": state},
        )
    return render(
        request,
        "web/macd_approval.html",
        {
            "case": case,
            "contact": row.contact,
            "request": row.request,
            "changes": [
                (changes.label(changes.type_key(c["kind"], c["op"])), c) for c in row.request.changes
            ],
            "estimate": billing.money(fees.estimate(row.request.estimated_minutes, row.request.speed).total),
            "decision": request.GET.get("decision", ""),
        },
    )
