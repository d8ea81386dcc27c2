"""Privacy request routes, for staff whose role works privacy requests: the list with each
legal deadline, one request, the person's data as JSON, and the outcome (correct, erase,
extend once, answer or decline) through the same actions as the console. Requests are
made on the public page only, where the requester proves the address."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from casedesk.accounts import permissions
from casedesk.api import lookups
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.core.paging import page
from casedesk.privacy import requests, selectors
from casedesk.privacy.models import PrivacyRequest
from casedesk.rules import privacy as rules
from casedesk.rules.permissions import Ability

router = Router(tags=["privacy"])


class PrivacyRequestOut(Schema):
    id: int
    number: str
    kind: Literal["know", "correct", "delete"]
    kind_label: str
    email: str = Field(..., description="The address the requester proved.")
    name: str
    details: str
    state: Literal["open", "done", "refused"]
    received_at: datetime | None = Field(..., description="When the address was proven: the clock starts.")
    due_at: datetime | None = Field(..., description="The legal deadline (45 days, 45 more once extended).")
    days_left: int | None = Field(..., description="Whole days to the deadline; negative once passed.")
    extensions: int
    extension_reason: str
    closed_at: datetime | None
    outcome: str
    handled_by: s.PersonRef | None
    organisations: list[s.OrganisationRef] = Field(..., description="Where the address is a contact.")


class PrivacyRequestPage(Schema):
    items: list[PrivacyRequestOut]
    page: int
    has_next: bool


class PrivacyListQuery(Schema):
    state: Literal["open", "done", "refused", "all"] = "open"
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class CorrectIn(s.Input):
    name: str = Field("", max_length=200, description="The corrected name; empty keeps it.")
    phone: str = Field("", max_length=40, description="The corrected phone; empty keeps it.")


class ExtensionIn(s.Input):
    reason: str = Field(..., max_length=2000, description="Why more time is needed; the requester is told.")


class AnswerIn(s.Input):
    outcome: str = Field(..., max_length=5000, description="What was done; the requester is told.")


class DeclineIn(s.Input):
    reason: str = Field(..., max_length=5000, description="Why it is declined; the requester is told.")


class OutcomeOut(Schema):
    request: PrivacyRequestOut
    contacts: int = Field(..., description="How many contact records were corrected or anonymised.")


def _require(user: Any) -> None:
    lookups.require_staff(user, "work privacy requests")
    permissions.require(user, Ability.PRIVACY)


def _find(user: Any, request_id: int) -> PrivacyRequest:
    _require(user)
    return selectors.privacy_request(user, request_id)


def _out(row: PrivacyRequest) -> PrivacyRequestOut:
    handler = row.handled_by
    return PrivacyRequestOut(
        id=row.pk,
        number=row.number,
        kind=row.kind,  # type: ignore[arg-type]
        kind_label=rules.Kind(row.kind).label,
        email=row.email,
        name=row.name,
        details=row.details,
        state=row.state,  # type: ignore[arg-type]
        received_at=row.received_at,
        due_at=row.due_at,
        days_left=rules.days_left(row.due_at, clock.now()) if row.due_at else None,
        extensions=row.extensions,
        extension_reason=row.extension_reason,
        closed_at=row.closed_at,
        outcome=row.outcome,
        handled_by=s.PersonRef(id=handler.pk, name=handler.display_name) if handler else None,
        organisations=[s.OrganisationRef(id=o.pk, name=o.name) for o in row.organisations.all()],
    )


def _reread(user: Any, request_id: int) -> PrivacyRequestOut:
    return _out(selectors.privacy_request(user, request_id))


@router.get(
    "/privacy/requests",
    url_name="privacy_requests",
    response={200: PrivacyRequestPage, **s.ERRORS},
    summary="List privacy requests",
)
def list_requests(request: HttpRequest, query: Query[PrivacyListQuery]) -> PrivacyRequestPage:
    """Soonest deadline first. Requests whose address is not yet proven are not listed."""
    user = user_of(request)
    _require(user)
    qs = selectors.privacy_requests(user, state="" if query.state == "all" else query.state)
    rows, has_next = page(
        qs.select_related("handled_by").prefetch_related("organisations"), query.page, query.page_size
    )
    return PrivacyRequestPage(items=[_out(r) for r in rows], page=query.page, has_next=has_next)


@router.get(
    "/privacy/requests/{request_id}",
    url_name="privacy_request",
    response={200: PrivacyRequestOut, **s.ERRORS},
    summary="Show a privacy request",
)
def get_request(request: HttpRequest, request_id: int) -> PrivacyRequestOut:
    return _out(_find(user_of(request), request_id))


@router.get(
    "/privacy/requests/{request_id}/export",
    url_name="privacy_export",
    response={200: dict[str, Any], **s.ERRORS},
    summary="Export the person's data (JSON)",
)
def export(request: HttpRequest, request_id: int) -> HttpResponse:
    """Everything the desk holds about the requester's address (a download), and what the
    law keeps after an erasure."""
    user = user_of(request)
    found = _find(user, request_id)
    data = requests.person_data(user, found)
    body = json.dumps(data, indent=2, ensure_ascii=False).encode()
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/privacy/requests/{request_id}/correct",
    url_name="privacy_correct",
    response={200: OutcomeOut, **s.ERRORS},
    summary="Correct the person's contact records",
)
def correct(request: HttpRequest, request_id: int, payload: CorrectIn) -> OutcomeOut:
    user = user_of(request)
    found = _find(user, request_id)
    if not (payload.name.strip() or payload.phone.strip()):
        raise Refused("Give the corrected name or phone.")
    count = requests.correct(user, found.pk, name=payload.name, phone=payload.phone)
    return OutcomeOut(request=_reread(user, found.pk), contacts=count)


@router.post(
    "/privacy/requests/{request_id}/erase",
    url_name="privacy_erase",
    response={200: OutcomeOut, **s.ERRORS},
    summary="Erase the person (anonymise in place)",
)
def erase(request: HttpRequest, request_id: int) -> OutcomeOut:
    """Their contact records (and the delegates that stand for them in the customers their
    partner manages) keep their rows under a placeholder name with no address or numbers;
    their portal account is closed; what the law keeps stays. Answer the request after."""
    user = user_of(request)
    found = _find(user, request_id)
    count = requests.erase(user, found.pk)
    return OutcomeOut(request=_reread(user, found.pk), contacts=count)


@router.post(
    "/privacy/requests/{request_id}/extension",
    url_name="privacy_extend",
    response={200: PrivacyRequestOut, **s.ERRORS},
    summary="Extend the deadline once (45 days)",
)
def extend(request: HttpRequest, request_id: int, payload: ExtensionIn) -> PrivacyRequestOut:
    """Once, before the deadline, with a reason the requester is told."""
    user = user_of(request)
    found = _find(user, request_id)
    requests.extend(user, found.pk, payload.reason)
    return _reread(user, found.pk)


@router.post(
    "/privacy/requests/{request_id}/answer",
    url_name="privacy_answer",
    response={200: PrivacyRequestOut, **s.ERRORS},
    summary="Answer the request (done)",
)
def answer(request: HttpRequest, request_id: int, payload: AnswerIn) -> PrivacyRequestOut:
    user = user_of(request)
    found = _find(user, request_id)
    requests.close(user, found.pk, payload.outcome)
    return _reread(user, found.pk)


@router.post(
    "/privacy/requests/{request_id}/decline",
    url_name="privacy_decline",
    response={200: PrivacyRequestOut, **s.ERRORS},
    summary="Decline the request, saying why",
)
def decline(request: HttpRequest, request_id: int, payload: DeclineIn) -> PrivacyRequestOut:
    user = user_of(request)
    found = _find(user, request_id)
    requests.close(user, found.pk, payload.reason, refused=True)
    return _reread(user, found.pk)


__all__ = ["router"]
