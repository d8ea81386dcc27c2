"""Deadline preview: when a case opened at a given time must be answered and updated."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from casedesk.accounts import selectors as accounts
from casedesk.api import lookups
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.core.errors import Refused
from casedesk.rules import sla as rules
from casedesk.sla import config

router = Router(tags=["sla"])


class PreviewQuery(Schema):
    priority: rules.Priority
    opened_at: datetime
    vendor: str = ""
    organisation: int | None = None  # its agreements, if it has any for the priority


class PreviewOut(Schema):
    priority: str
    vendor: str | None
    organisation: int | None
    opened_at: str
    initial_response_due: str
    first_update_due: str


def _local(instant: datetime) -> str:
    return timezone.localtime(instant).isoformat()


@router.get(
    "/sla/deadlines", response={200: PreviewOut, **s.ERRORS}, summary="Deadlines a case opened then would get"
)
def deadline_preview(request: HttpRequest, query: Query[PreviewQuery]) -> PreviewOut:
    """Computed by the same rules and the same configured policies and calendars as the
    cases' own clocks; with `organisation`, its alternative agreements apply as they do to
    its cases. Times come back in the provider's time zone with their offset."""
    lookups.require_staff(user_of(request), "preview SLA deadlines")
    if timezone.is_naive(query.opened_at):
        raise Refused("opened_at needs a UTC offset, e.g. 2026-11-27T16:55:00-07:00.")
    if not 2000 <= query.opened_at.year <= 2100:
        # The business calendar is laid out for dates a case can have; the far past or
        # future would overflow it.
        raise Refused("opened_at must be between the years 2000 and 2100.")
    if query.organisation is not None and not accounts.organisations_by_ids([query.organisation]).exists():
        raise Refused(f"Unknown organisation {query.organisation}.")
    cfg = config.current()
    vendor = query.vendor.strip() or None
    initial, first_update = rules.deadline_preview(
        query.priority,
        query.opened_at,
        cfg.policies.for_organisation(query.organisation),
        cfg.calendars,
        vendor=vendor,
    )
    return PreviewOut(
        priority=query.priority.value,
        vendor=vendor,
        organisation=query.organisation,
        opened_at=_local(query.opened_at),
        initial_response_due=_local(initial),
        first_update_due=_local(first_update),
    )
