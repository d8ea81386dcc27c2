"""The telephony webhook: the phone system reports a call; it is stored once and popped on
the screen of the agent who takes it.

Signed, not bearer-authenticated: the phone system sends `X-Casedesk-Timestamp` (Unix
seconds) and `X-Casedesk-Signature` (hex HMAC-SHA256 of "timestamp." + the raw body, with
CASEDESK_TELEPHONY_SECRET). A request outside five minutes of our clock is refused, and so
is a signature already seen: a captured request cannot be played again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyHeader
from pydantic import AwareDatetime

from casedesk.api import schemas as s
from casedesk.chat import calls as telephony
from casedesk.core import clock
from casedesk.rules import chat as rules

router = Router(tags=["calls"])


class CallIn(s.Input):
    id: str = Field("", max_length=100, description="The phone system's id for the call (stored once).")
    caller: str = Field(..., min_length=1, max_length=40)
    called: str = Field("", max_length=40)
    direction: Literal["inbound", "outbound"] = "inbound"
    agent: str = Field("", max_length=254, description="E-mail address of the agent taking the call.")
    started_at: AwareDatetime | None = None
    duration_seconds: int = Field(0, ge=0, le=86_400)


class CaseBrief(Schema):
    number: str
    title: str
    priority: str


class CallOut(Schema):
    id: int
    created: bool
    number: str
    contact: str
    organisation: str
    cases: list[CaseBrief]


class TelephonySignature(APIKeyHeader):
    """The webhook's HMAC over timestamp and body, checked before the body is read: an
    unsigned request is refused whatever it holds."""

    param_name = "X-Casedesk-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> bool:
        timestamp = request.headers.get("X-Casedesk-Timestamp", "")
        signature = key or ""
        problem = rules.webhook_problem(
            settings.CASEDESK_TELEPHONY_SECRET, timestamp, signature, request.body, clock.now()
        )
        if problem:
            raise HttpError(403, problem)
        seconds = int(rules.WEBHOOK_TOLERANCE.total_seconds()) * 2
        if not cache.add(f"telephony-seen:{signature.removeprefix('sha256=')}", 1, seconds):
            raise HttpError(409, "This request was received already.")
        return True


@router.post(
    "/calls",
    auth=TelephonySignature(),
    response={200: CallOut, 201: CallOut, 409: s.ErrorOut, **s.ERRORS},
    summary="Report a call (telephony webhook, HMAC-signed)",
)
def report_call(request: HttpRequest, payload: CallIn) -> tuple[int, CallOut]:
    started: datetime | None = payload.started_at
    call, created = telephony.record_call(
        telephony.CallReport(
            external_id=payload.id.strip(),
            caller=payload.caller,
            called=payload.called,
            direction=payload.direction,
            agent_email=payload.agent.strip(),
            started_at=started,
            duration_seconds=payload.duration_seconds,
        )
    )
    pop = telephony.screen_pop(call)
    return (201 if created else 200), CallOut(
        id=call.pk,
        created=created,
        number=call.number,
        contact=pop["contact"],
        organisation=pop["organisation"],
        cases=[CaseBrief(**c) for c in pop["cases"]],
    )
