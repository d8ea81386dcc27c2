"""Case statuses and who may move a case between them (Client Support Plan §4).

Pure Python: no Django. Actions ask `check_transition` before they write, so the same
rule holds whichever channel (portal, email, chat, phone, API, sweeps) asked for the move.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Status(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DUPLICATE = "duplicate"
    ON_HOLD = "on_hold"
    SHIPPING = "shipping"
    RESOLVED = "resolved_follow_up"
    CUSTOMER_REOPENED = "customer_reopened"
    CLOSED_NO_RESPONSE = "closed_no_response"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATUSES


LABELS: dict[Status, str] = {
    Status.NEW: "New",
    Status.IN_PROGRESS: "In-Progress",
    Status.DUPLICATE: "Duplicate",
    Status.ON_HOLD: "On Hold",
    Status.SHIPPING: "Shipping",
    Status.RESOLVED: "Resolved Follow-up Required",
    Status.CUSTOMER_REOPENED: "Customer Re-opened",
    Status.CLOSED_NO_RESPONSE: "Closed No Response",
    Status.CLOSED: "Closed",
}

CLOSED_STATUSES = frozenset({Status.DUPLICATE, Status.CLOSED_NO_RESPONSE, Status.CLOSED})
OPEN_STATUSES = frozenset(set(Status) - CLOSED_STATUSES)


class Actor(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


S = Status
_WORKING = {S.IN_PROGRESS, S.ON_HOLD, S.SHIPPING, S.RESOLVED, S.DUPLICATE, S.CLOSED}

# (from, to) -> who may make the move. Anything absent is refused for everyone.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {}


def _allow(actor: Actor, source: Status, targets: set[Status]) -> None:
    for target in targets - {source}:
        TRANSITIONS[(source, target)] = TRANSITIONS.get((source, target), frozenset()) | {actor}


for _source in (S.NEW, S.IN_PROGRESS, S.ON_HOLD, S.CUSTOMER_REOPENED):
    _allow(Actor.STAFF, _source, _WORKING)
_allow(Actor.STAFF, S.SHIPPING, {S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED, S.CLOSED})
_allow(Actor.STAFF, S.RESOLVED, {S.IN_PROGRESS, S.ON_HOLD, S.CLOSED})
# Staff may undo a closure they made (a wrong close or a wrong duplicate); a case closed
# for no response stays closed: the customer's return opens a new, related case.
_allow(Actor.STAFF, S.CLOSED, {S.IN_PROGRESS})
_allow(Actor.STAFF, S.DUPLICATE, {S.IN_PROGRESS})
# The customer confirms a resolution, says it is not fixed, or asks to reopen a closed case.
_allow(Actor.CUSTOMER, S.RESOLVED, {S.CLOSED, S.IN_PROGRESS})
_allow(Actor.CUSTOMER, S.CLOSED, {S.CUSTOMER_REOPENED})
# Sweeps: an On Hold case wakes at its time; a case waiting on the customer for information
# closes for no response; a resolution nobody confirms closes as Closed, since the work was
# done and tested, and keeps the customer's reopen right.
_allow(Actor.SYSTEM, S.ON_HOLD, {S.IN_PROGRESS})
_allow(Actor.SYSTEM, S.RESOLVED, {S.CLOSED})
_allow(Actor.SYSTEM, S.IN_PROGRESS, {S.CLOSED_NO_RESPONSE})
_allow(Actor.SYSTEM, S.CUSTOMER_REOPENED, {S.CLOSED_NO_RESPONSE})
_allow(Actor.SYSTEM, S.NEW, {S.IN_PROGRESS})


def after_customer_reply(current: Status) -> Status | None:
    """Where a customer's public reply (any channel) moves a case: a Resolved Follow-up
    Required case goes back to In-Progress, since the reply says the work is not done;
    elsewhere a reply moves nothing (None)."""
    return S.IN_PROGRESS if current == S.RESOLVED else None


def on_assignment(current: Status) -> Status | None:
    """Where staff assigning a person moves a case: a New case has been picked up, so it is
    In-Progress; elsewhere nothing moves (None)."""
    return S.IN_PROGRESS if current == S.NEW else None


class TransitionRefused(Exception):
    """A move the plan does not allow; the message says why, for the person who asked."""


@dataclass(frozen=True)
class TransitionRequest:
    """What is known when someone asks to move a case; the fields a target needs."""

    current: Status
    target: Status
    actor: Actor
    now: datetime
    closed_at: datetime | None = None
    main_case_ok: bool | None = None  # None: no main case given
    hold_until: datetime | None = None
    tracking_number: str = ""
    resolution: str = ""
    reopen_days: int = 7


def allowed_targets(current: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move a case in `current` to, in the plan's order."""
    return [target for target in Status if actor in TRANSITIONS.get((current, target), frozenset())]


def check_transition(req: TransitionRequest) -> None:
    """Raise TransitionRefused, with a reason fit to show, unless the move is allowed."""
    if req.current == req.target:
        raise TransitionRefused(f"The case is already {req.target.label}.")
    actors = TRANSITIONS.get((req.current, req.target), frozenset())
    if req.actor not in actors:
        if req.actor == Actor.CUSTOMER and req.current == S.CLOSED_NO_RESPONSE:
            raise TransitionRefused(
                "A case closed for no response cannot be reopened; a new case is opened instead."
            )
        raise TransitionRefused(
            f"A {req.actor.value} cannot move a case from {req.current.label} to {req.target.label}."
        )
    if req.target == S.DUPLICATE and not req.main_case_ok:
        raise TransitionRefused(
            "Duplicate needs the main case: another open or closed case of the same organisation."
        )
    if req.target == S.ON_HOLD:
        if req.hold_until is None:
            raise TransitionRefused("On Hold needs the time until which the case is held.")
        if req.hold_until <= req.now:
            raise TransitionRefused("On Hold needs a time in the future.")
    if req.target == S.SHIPPING and not req.tracking_number.strip():
        raise TransitionRefused("Shipping needs the tracking number of the shipment.")
    if req.target == S.CLOSED and req.actor == Actor.STAFF and not req.resolution.strip():
        raise TransitionRefused("Closing needs a resolution note.")
    if req.target == S.CUSTOMER_REOPENED and not within_reopen_window(
        req.closed_at, req.now, req.reopen_days
    ):
        raise TransitionRefused(
            f"The case was closed more than {req.reopen_days} days ago; a new case is opened instead."
        )


def within_reopen_window(closed_at: datetime | None, now: datetime, days: int = 7) -> bool:
    """A customer may reopen within `days` calendar days (elapsed time) of closure."""
    return closed_at is not None and now - closed_at <= timedelta(days=days)


class ReopenOutcome(enum.StrEnum):
    REOPEN = "reopen"  # the same case becomes Customer Re-opened
    FOLLOW_UP = "follow_up"  # a new case is opened, related to this one
    ALREADY_OPEN = "already_open"  # nothing to reopen: the request is a comment
    RESUME = "resume"  # Resolved Follow-up Required: back to In-Progress


def reopen_outcome(
    current: Status, closed_at: datetime | None, now: datetime, days: int = 7
) -> ReopenOutcome:
    """What a customer's request to reopen (on any channel) does to a case in `current`."""
    if current == S.RESOLVED:
        return ReopenOutcome.RESUME
    if current.is_open:
        return ReopenOutcome.ALREADY_OPEN
    if current == S.CLOSED and within_reopen_window(closed_at, now, days):
        return ReopenOutcome.REOPEN
    return ReopenOutcome.FOLLOW_UP
