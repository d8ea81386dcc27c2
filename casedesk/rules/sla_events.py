"""The history the SLA clocks replay (`rules.sla`): one event per thing that moves a clock.
Pure Python: no Django."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from casedesk.rules.lifecycle import Status
from casedesk.rules.triage import Priority


def utc(instant: datetime) -> datetime:
    if instant.utcoffset() is None:
        raise ValueError(f"SLA clocks need aware datetimes, not {instant!r}.")
    return instant.astimezone(UTC)


# -- history ---------------------------------------------------------------------------------


class EventKind(enum.StrEnum):
    OPENED = "opened"
    PUBLIC_STAFF_REPLY = "public_staff_reply"
    CUSTOMER_REPLY = "customer_reply"
    STATUS_CHANGE = "status_change"
    PRIORITY_CHANGE = "priority_change"
    VENDOR_CHANGE = "vendor_change"
    ETR_SET = "etr_set"
    UPDATE_INTERVAL = "update_interval"
    SERVICE_LEVEL = "service_level"
    WORK_APPROVED = "work_approved"
    COMPLETION_EXTENDED = "completion_extended"


@dataclass(frozen=True)
class Event:
    """One thing that happened to a case, as far as the clocks care.

    Build events with the class methods; each kind uses only its own fields:
    `opened` (priority, vendor, status), `staff_reply` (asks_customer), `customer_reply`,
    `status_change` (status, hold_until), `priority_change` (priority), `vendor_change`
    (vendor, None when detached), `etr_set` (etr, None when withdrawn), `update_interval`
    (interval, None when the request is withdrawn), `service_level` (service: a MACD
    request's level), `work_approved` (the completion clock starts), `completion_extended`
    (interval: the total extra business time a carrier or vendor needs).
    """

    at: datetime
    kind: EventKind
    status: Status | None = None
    hold_until: datetime | None = None
    priority: Priority | None = None
    vendor: str | None = None
    etr: datetime | None = None
    asks_customer: bool = False
    interval: timedelta | None = None
    service: str | None = None

    def __post_init__(self) -> None:
        # Held in UTC: aware datetimes sharing one zone compare and subtract by wall
        # clock, which is wrong across the hour a DST change repeats or skips.
        for name in ("at", "hold_until", "etr"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, utc(value))
        if self.kind in (EventKind.OPENED, EventKind.PRIORITY_CHANGE) and self.priority is None:
            raise ValueError(f"A {self.kind} event needs the priority.")
        if self.kind == EventKind.STATUS_CHANGE and self.status is None:
            raise ValueError("A status_change event needs the new status.")

    @classmethod
    def opened(
        cls, at: datetime, priority: Priority, *, vendor: str | None = None, status: Status = Status.NEW
    ) -> Event:
        return cls(at, EventKind.OPENED, priority=priority, vendor=vendor, status=status)

    @classmethod
    def staff_reply(cls, at: datetime, *, asks_customer: bool = False) -> Event:
        """A public reply by staff; `asks_customer` when it waits on the customer's answer."""
        return cls(at, EventKind.PUBLIC_STAFF_REPLY, asks_customer=asks_customer)

    @classmethod
    def customer_reply(cls, at: datetime) -> Event:
        return cls(at, EventKind.CUSTOMER_REPLY)

    @classmethod
    def status_change(cls, at: datetime, to: Status, *, hold_until: datetime | None = None) -> Event:
        return cls(at, EventKind.STATUS_CHANGE, status=to, hold_until=hold_until)

    @classmethod
    def priority_change(cls, at: datetime, to: Priority) -> Event:
        return cls(at, EventKind.PRIORITY_CHANGE, priority=to)

    @classmethod
    def vendor_change(cls, at: datetime, to: str | None) -> Event:
        return cls(at, EventKind.VENDOR_CHANGE, vendor=to or None)

    @classmethod
    def etr_set(cls, at: datetime, etr: datetime | None) -> Event:
        return cls(at, EventKind.ETR_SET, etr=etr)

    @classmethod
    def update_interval(cls, at: datetime, interval: timedelta | None) -> Event:
        return cls(at, EventKind.UPDATE_INTERVAL, interval=interval or None)

    @classmethod
    def service_level(cls, at: datetime, service: str | None) -> Event:
        return cls(at, EventKind.SERVICE_LEVEL, service=service or None)

    @classmethod
    def work_approved(cls, at: datetime) -> Event:
        return cls(at, EventKind.WORK_APPROVED)

    @classmethod
    def completion_extended(cls, at: datetime, total: timedelta) -> Event:
        if total < timedelta(0):
            raise ValueError("A completion extension cannot be negative.")
        return cls(at, EventKind.COMPLETION_EXTENDED, interval=total)
