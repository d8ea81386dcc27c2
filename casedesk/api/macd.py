"""MACD request routes: raise one (an MPOC), approve or decline it, and for staff log time,
record a carrier's or vendor's extension and apply the changes. The same actions as the
portal and console, so the approval gate holds here too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from casedesk.api import lookups
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.cases import selectors as cases
from casedesk.cases.models import Case, Channel
from casedesk.macd import actions, selectors, timesheet
from casedesk.macd.models import Approval
from casedesk.rules.permissions import Ability

router = Router(tags=["macd"])


class ChangeIn(s.Input):
    kind: Literal["seat", "number", "device", "licence", "feature"]
    op: Literal["add", "move", "change", "delete"]
    key: str = Field(
        "", max_length=200, description="The item moved, changed or deleted (number, e-mail, MAC)."
    )
    values: dict[str, str] = Field(default_factory=dict, description="The inventory fields to set.")
    details: str = Field("", max_length=1000, description="What is wanted, in words.")


class MacdCreateIn(s.Input):
    title: str
    description: str = ""
    changes: list[ChangeIn] = Field(..., min_length=1, max_length=50)
    speed: Literal["standard", "expedited"] = "standard"
    urgent: bool = Field(False, description="Outside extended hours: Expedited, worked by the 24x7 team.")


class DecisionIn(s.Input):
    note: str = Field("", max_length=500)


class TimeIn(s.Input):
    minutes: int = Field(..., description="1 to 1440.")
    note: str = Field(..., max_length=500)


class ExtendIn(s.Input):
    minutes: int = Field(..., description="Business minutes more the carrier or vendor needs.")
    note: str = Field(..., max_length=2000, description="Why; the customer is told.")


class ApprovalOut(Schema):
    contact: str
    decision: str
    decided_at: datetime | None
    via: str


class MacdOut(Schema):
    number: str
    title: str
    status: str
    approval: str = Field(..., description="pending, approved, declined or not_needed (pre-approved).")
    speed: str
    service_level: str
    urgent: bool
    changes: list[dict[str, Any]]
    approvals: list[ApprovalOut]
    minutes: int
    billed_minutes: int
    fee: str = Field(..., description="So far, in USD, with the expedite fee.")
    estimated_fee: str
    first_response_due: datetime | None
    completion_due: datetime | None
    applied: bool


class MacdPage(Schema):
    items: list[MacdOut]
    page: int
    has_next: bool


class MacdListQuery(Schema):
    state: Literal["open", "closed", "all"] = "open"
    approval: Literal["", "pending", "approved", "declined", "not_needed"] = ""
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


def _out(case: Case, user: Any) -> MacdOut:
    p = selectors.panel(case, user)
    return MacdOut(
        number=case.number,
        title=case.title,
        status=case.status,
        approval=p.state.value,
        speed=p.request.speed,
        service_level=p.request.service_level,
        urgent=p.request.urgent,
        changes=p.request.changes,
        approvals=[
            ApprovalOut(contact=a.contact.name, decision=a.decision, decided_at=a.decided_at, via=a.via)
            for a in p.approvals
        ],
        minutes=p.totals.minutes,
        billed_minutes=p.totals.fee.billed_minutes,
        fee=str(p.totals.fee.total),
        estimated_fee=str(p.estimate.total),
        first_response_due=case.first_response_due,
        completion_due=case.completion_due,
        applied=p.request.applied_at is not None,
    )


@router.get("/macd", response={200: MacdPage, **s.ERRORS}, summary="List MACD requests")
def list_requests(request: HttpRequest, query: Query[MacdListQuery]) -> MacdPage:
    """Newest first; a customer sees their organisation's requests, staff all."""
    user = user_of(request)
    qs = cases.filter_cases(selectors.requests_visible_to(user), cases.CaseFilters(state=query.state))
    if query.approval:
        qs = qs.filter(approval=query.approval)
    rows, has_next = cases.page(qs.order_by("-id"), query.page, query.page_size)
    return MacdPage(items=[_out(c, user) for c in rows], page=query.page, has_next=has_next)


@router.get("/macd/{number}", response={200: MacdOut, **s.ERRORS}, summary="Show a MACD request")
def get_request(request: HttpRequest, number: str) -> MacdOut:
    user = user_of(request)
    return _out(selectors.get_request(user, number), user)


@router.post("/macd", response={201: MacdOut, **s.ERRORS}, summary="Raise a MACD request (MPOC)")
def create_request(request: HttpRequest, payload: MacdCreateIn) -> tuple[int, MacdOut]:
    """An MPOC asks support to make changes: it counts as their approval; the other MPOCs
    are asked as the organisation's setting says, unless every change is pre-approved."""
    user = user_of(request)
    lookups.require_customer_named(user, Ability.APPROVE_MACD)
    case = actions.submit(
        actions.Submission(
            by=user,
            title=payload.title,
            description=payload.description,
            changes=[c.model_dump() for c in payload.changes],
            speed=payload.speed,
            urgent=payload.urgent,
            channel=Channel.API,
        )
    )
    return 201, _out(selectors.get_request(user, case.number), user)


def _decide(request: HttpRequest, number: str, payload: DecisionIn, approve: bool) -> MacdOut:
    user = user_of(request)
    case = selectors.get_request(user, number)
    actions.decide(case, by=user, approve=approve, via=Approval.Via.API, note=payload.note)
    return _out(selectors.get_request(user, number), user)


@router.post("/macd/{number}/approve", response={200: MacdOut, **s.ERRORS}, summary="Approve (MPOC)")
def approve(request: HttpRequest, number: str, payload: DecisionIn) -> MacdOut:
    return _decide(request, number, payload, True)


@router.post("/macd/{number}/decline", response={200: MacdOut, **s.ERRORS}, summary="Decline (MPOC)")
def decline(request: HttpRequest, number: str, payload: DecisionIn) -> MacdOut:
    return _decide(request, number, payload, False)


@router.post("/macd/{number}/time", response={201: MacdOut, **s.ERRORS}, summary="Log time (staff)")
def log_time(request: HttpRequest, number: str, payload: TimeIn) -> tuple[int, MacdOut]:
    """Refused until the request is approved; billed at the hourly rate in 15-minute increments."""
    user = user_of(request)
    case = selectors.get_request(user, number)
    timesheet.log_time(case, by=user, minutes=payload.minutes, note=payload.note)
    return 201, _out(selectors.get_request(user, number), user)


@router.post(
    "/macd/{number}/extend", response={200: MacdOut, **s.ERRORS}, summary="Vendor needs longer (staff)"
)
def extend(request: HttpRequest, number: str, payload: ExtendIn) -> MacdOut:
    user = user_of(request)
    case = selectors.get_request(user, number)
    actions.extend(case, by=user, minutes=payload.minutes, note=payload.note)
    return _out(selectors.get_request(user, number), user)


@router.post("/macd/{number}/apply", response={200: MacdOut, **s.ERRORS}, summary="Apply the changes (staff)")
def apply_request(request: HttpRequest, number: str) -> MacdOut:
    """Make the requested changes in the organisation's inventory, all or nothing."""
    user = user_of(request)
    case = selectors.get_request(user, number)
    actions.apply(case, by=user)
    return _out(selectors.get_request(user, number), user)


__all__ = ["router"]
