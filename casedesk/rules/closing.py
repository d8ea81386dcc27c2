"""When a case that waits on the customer closes by itself (Client Support Plan §4).

Pure Python: no Django. Two waits end in a closure after two business days of silence:
- a question (a public staff reply that asks the customer for information): the customer
  is told one business day before, and the case becomes Closed No Response;
- a resolution (Resolved Follow-up Required) nobody confirms: the work was done and tested,
  so the case becomes Closed, and the customer keeps the right to reopen it.

The closure comes a full business day after the warning, whenever the warning actually
went out: a warning sent late (the sweeps were down) moves the closure with it, so what
the customer was told stays true.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from casedesk.rules.calendar import BusinessCalendar
from casedesk.rules.lifecycle import Status
from casedesk.rules.sla import Event, EventKind

NO_RESPONSE_BUSINESS_DAYS = 2
WARN_BUSINESS_DAYS_BEFORE = 1


class Waiting(enum.StrEnum):
    INFORMATION = "information"  # a question staff asked
    CONFIRMATION = "confirmation"  # a resolution to confirm


@dataclass(frozen=True)
class AutoClose:
    waiting: Waiting
    since: datetime
    closes_at: datetime
    closes_as: Status
    warn_at: datetime | None  # the warning still to send; None once sent, or never needed


def closes_as(status: Status) -> Status:
    """What a case in `status` becomes when it closes because the customer stayed silent."""
    return Status.CLOSED if status == Status.RESOLVED else Status.CLOSED_NO_RESPONSE


def waiting_on_customer(events: Sequence[Event]) -> tuple[Waiting, datetime] | None:
    """What the case waits on the customer for, and since when; None if it does not."""
    status: Status | None = None
    since: tuple[Waiting, datetime] | None = None
    for event in sorted(events, key=lambda e: e.at):
        match event.kind:
            case EventKind.OPENED:
                status = event.status
            case EventKind.PUBLIC_STAFF_REPLY:
                if status == Status.RESOLVED:
                    # Whatever staff write on a resolved case, it still waits for the
                    # confirmation, counted from what they wrote last.
                    since = (Waiting.CONFIRMATION, event.at)
                elif event.asks_customer:
                    since = (Waiting.INFORMATION, event.at)
                else:
                    since = None
            case EventKind.CUSTOMER_REPLY:
                since = None
            case EventKind.STATUS_CHANGE:
                status = event.status
                if status == Status.RESOLVED:
                    since = (Waiting.CONFIRMATION, event.at)
                elif status != Status.IN_PROGRESS or (since and since[0] == Waiting.CONFIRMATION):
                    # On Hold, Shipping, closure, reopening, or a resolution taken back: the
                    # customer is no longer waited on. A first reply that asks moves a New
                    # case to In-Progress and keeps waiting.
                    since = None
    return since


def auto_close(
    events: Sequence[Event],
    calendar: BusinessCalendar,
    now: datetime,
    *,
    warnings: Iterable[datetime] = (),
) -> AutoClose | None:
    """When the case closes if the customer stays silent, as what, and when they are warned;
    `warnings`: when the case's no-response warnings went out."""
    waiting = waiting_on_customer(events)
    if waiting is None:
        return None
    kind, since = waiting
    closes_at = calendar.add_business_days(since, NO_RESPONSE_BUSINESS_DAYS)
    if kind == Waiting.CONFIRMATION:
        return AutoClose(kind, since, closes_at, closes_as(Status.RESOLVED), warn_at=None)
    sent = sorted(t for t in warnings if t >= since)
    if sent:
        after_warning = calendar.add_business_days(sent[0], WARN_BUSINESS_DAYS_BEFORE)
        return AutoClose(kind, since, max(closes_at, after_warning), Status.CLOSED_NO_RESPONSE, None)
    warn_at = calendar.add_business_days(since, NO_RESPONSE_BUSINESS_DAYS - WARN_BUSINESS_DAYS_BEFORE)
    # Not warned yet: never sooner than a business day after the warning could still go.
    earliest = calendar.add_business_days(max(warn_at, now), WARN_BUSINESS_DAYS_BEFORE)
    return AutoClose(kind, since, max(closes_at, earliest), Status.CLOSED_NO_RESPONSE, warn_at)
