"""SLA clocks of a case, recomputed from its history (Client Support Plan §3, §4).

Pure Python: no Django. Nothing about a deadline is stored: the case's events (opened,
public staff replies, customer replies, status, priority, vendor and ETR changes) are
replayed against the policies and calendars in force, so a priority change, a vendor
attached or a corrected calendar changes every deadline consistently.

The clocks:
- first response: runs from opening until the first public staff reply;
- update: after the first response, runs from each public staff update to the next;
- ETR: while staff have given an estimated time of resolution, it replaces the update
  clock, and the ETR itself is watched;
- completion (MACD requests): runs from the request's approval until its work is
  resolved; a carrier or vendor needing longer extends its budget.

A MACD request follows its service level's targets (Standard, Expedited) instead of a
priority's.

A customer may ask for updates more often than the policy gives them ("hourly, or as
requested"): while such a request stands, an update is due after the shorter of the two,
the requested interval counted from the later of the last update and the request.

A clock is a budget of business time on its target's calendar. Pauses (On Hold until its
time, Shipping, waiting for the customer) and closed periods do not use the budget, so a
deadline moves later by the business time the case spent paused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casedesk.rules.calendar import BusinessCalendar
from casedesk.rules.lifecycle import CLOSED_STATUSES, Status
from casedesk.rules.policies import DEFAULT_POLICIES, Policies, Policy, Target, calendar_named
from casedesk.rules.sla_events import Event, EventKind
from casedesk.rules.sla_events import utc as _utc
from casedesk.rules.triage import Priority

__all__ = ["DEFAULT_POLICIES", "Event", "EventKind", "Policies", "Policy", "Target"]


class Clock(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    UPDATE = "update"
    ETR = "etr"
    COMPLETION = "completion"


class PauseReason(enum.StrEnum):
    """Why clocks are paused; when several apply, the first listed here is reported."""

    ON_HOLD = "on_hold"
    SHIPPING = "shipping"
    AWAITING_CUSTOMER = "awaiting_customer"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """A deadline that passed before its clock was met.

    `until` is when the clock was met or stopped (closure, a new ETR), or `now` while the
    case is still late (`ongoing`). `late` is real elapsed time from `due` to `until`:
    what a customer experiences, and what a report of missed targets adds up.
    """

    clock: Clock
    due: datetime
    until: datetime
    late: timedelta
    ongoing: bool


@dataclass(frozen=True)
class Deadlines:
    """Where a case's clocks stand at `now`.

    A due is None when its clock is not running: met, not started, replaced by an ETR,
    stopped by closure, or paused with no known end. A clock paused On Hold resumes at
    the hold's time, so its due is known and shown. `next_due` is the earliest due shown,
    overdue ones included, for ordering and indexing work.
    """

    priority: Priority
    vendor: str | None
    status: Status
    first_response_due: datetime | None
    first_response_met_at: datetime | None
    next_update_due: datetime | None
    etr: datetime | None
    paused: bool
    pause_reason: PauseReason | None
    paused_until: datetime | None
    stopped: bool
    breaches: tuple[Breach, ...]
    next_due: datetime | None
    # The update interval the customer asked for, while the request stands.
    requested_update: timedelta | None = None
    # The clock using its budget now (first response or update): its kind, the moment its
    # budget counts from and its target; None when neither runs.
    running: tuple[Clock, datetime, Target] | None = None
    # A MACD request's completion: when due (None before approval, once done, or paused
    # with no known end), when it was done, and while it runs its start and target.
    completion_due: datetime | None = None
    completion_met_at: datetime | None = None
    completion_running: tuple[datetime, Target] | None = None

    @property
    def overdue(self) -> bool:
        return any(b.ongoing for b in self.breaches)


# -- replay ----------------------------------------------------------------------------------


@dataclass
class _Halt:
    """A stretch when no clock uses its budget; `reason` None is a closed case."""

    start: datetime
    reason: PauseReason | None
    until: datetime | None = None  # known end (On Hold time)
    ended: datetime | None = None  # the event that ended it

    def end(self) -> datetime | None:
        ends = [t for t in (self.until, self.ended) if t is not None]
        return max(self.start, min(ends)) if ends else None

    def active_at(self, now: datetime) -> bool:
        end = self.end()
        return self.start <= now and (end is None or now < end)


@dataclass
class _Run:
    """One stretch of a first-response or update clock, from its start to its end."""

    clock: Clock
    start: datetime
    end: datetime | None = None
    met: bool = False
    # Priority and vendor in force when the run ended; a running clock uses the current
    # ones, so a priority change re-targets it from its start (elapsed time is kept).
    priority: Priority | None = None
    vendor: str | None = None
    interval: tuple[timedelta, datetime] | None = None  # requested, and since when
    service: str | None = None


@dataclass
class _Watch:
    """An ETR given at `set_at`, watched until resolution or until replaced."""

    set_at: datetime
    etr: datetime
    end: datetime | None = None


@dataclass
class _Replay:
    priority: Priority
    vendor: str | None
    status: Status
    halts: list[_Halt] = field(default_factory=list)
    runs: list[_Run] = field(default_factory=list)
    watches: list[_Watch] = field(default_factory=list)
    first_response: _Run | None = None
    update: _Run | None = None
    watch: _Watch | None = None
    status_halt: _Halt | None = None
    asked_halt: _Halt | None = None
    closed_since: datetime | None = None
    interval: tuple[timedelta, datetime] | None = None
    service: str | None = None
    completion: _Run | None = None
    extension: timedelta = timedelta(0)

    @property
    def responded(self) -> bool:
        return self.first_response is not None and self.first_response.met

    def end_run(self, run: _Run | None, at: datetime, *, met: bool) -> None:
        if run is not None and run.end is None:
            run.end, run.met, run.priority, run.vendor = at, met, self.priority, self.vendor
            run.interval, run.service = self.interval, self.service

    def start_update(self, at: datetime) -> None:
        self.end_run(self.update, at, met=True)
        self.update = _Run(Clock.UPDATE, at)
        self.runs.append(self.update)

    def end_watch(self, at: datetime) -> None:
        if self.watch is not None:
            self.watch.end = at
            self.watch = None

    def halt(self, at: datetime, reason: PauseReason | None, until: datetime | None = None) -> _Halt:
        halt = _Halt(at, reason, until)
        self.halts.append(halt)
        return halt

    def apply(self, event: Event) -> None:
        at = event.at
        match event.kind:
            case EventKind.OPENED:
                raise ValueError("A case is opened once; its history has a second opening.")
            case EventKind.PUBLIC_STAFF_REPLY:
                self._staff_reply(at, event.asks_customer)
            case EventKind.CUSTOMER_REPLY:
                if self.asked_halt is not None:
                    self.asked_halt.ended, self.asked_halt = at, None
            case EventKind.STATUS_CHANGE:
                assert event.status is not None
                self._status(at, event.status, event.hold_until)
            case EventKind.PRIORITY_CHANGE:
                assert event.priority is not None
                self.priority = event.priority
            case EventKind.VENDOR_CHANGE:
                self.vendor = event.vendor
            case EventKind.ETR_SET:
                self._etr(at, event.etr)
            case EventKind.UPDATE_INTERVAL:
                self.interval = (event.interval, at) if event.interval else None
            case EventKind.SERVICE_LEVEL:
                self.service = event.service
            case EventKind.WORK_APPROVED:
                if self.completion is None and self.closed_since is None:
                    self.completion = _Run(Clock.COMPLETION, at)
            case EventKind.COMPLETION_EXTENDED:
                self.extension = event.interval or timedelta(0)

    def _staff_reply(self, at: datetime, asks_customer: bool) -> None:
        if self.first_response is not None and not self.first_response.met:
            self.end_run(self.first_response, at, met=True)
        if self.asked_halt is not None:
            self.asked_halt.ended, self.asked_halt = at, None
        if self.closed_since is not None:
            return
        if self.watch is None:
            self.start_update(at)
        if asks_customer:
            self.asked_halt = self.halt(at, PauseReason.AWAITING_CUSTOMER)

    def _status(self, at: datetime, status: Status, hold_until: datetime | None) -> None:
        was_closed = self.status in CLOSED_STATUSES
        self.status = status
        if self.status_halt is not None:
            self.status_halt.ended, self.status_halt = at, None
        if status in (Status.RESOLVED, Status.CLOSED) and self.completion is not None:
            # The work is done: resolved (awaiting the customer's word) or closed.
            self.end_run(self.completion, at, met=True)
        elif status in CLOSED_STATUSES:
            self.end_run(self.completion, at, met=False)
        if status in CLOSED_STATUSES:
            # Closure stops every clock; an unmet first response resumes if the case is
            # reopened, since the customer is still owed it.
            self.closed_since = self.closed_since or at
            self.status_halt = self.halt(at, None)
            self.end_run(self.update, at, met=False)
            self.update = None
            self.end_watch(at)
            return
        self.closed_since = None
        if status == Status.RESOLVED:
            resolved_with_etr = self.watch is not None
            self.end_watch(at)
            if resolved_with_etr and self.responded:
                self.start_update(at)
            self.status_halt = self.halt(at, PauseReason.AWAITING_CUSTOMER)
        elif status == Status.ON_HOLD:
            self.status_halt = self.halt(at, PauseReason.ON_HOLD, hold_until)
        elif status == Status.SHIPPING:
            self.status_halt = self.halt(at, PauseReason.SHIPPING)
        if was_closed and self.responded and self.watch is None:
            # A reopened case is owed updates again, counted from the reopening.
            self.start_update(at)

    def _etr(self, at: datetime, etr: datetime | None) -> None:
        if self.closed_since is not None:
            return
        self.end_watch(at)
        if etr is not None:
            # The ETR is given to the customer: it answers the update that was due, and
            # replaces the scheduled updates that would follow.
            self.end_run(self.update, at, met=True)
            self.update = None
            self.watch = _Watch(at, etr)
            self.watches.append(self.watch)
        elif self.responded and self.update is None:
            # Scheduled updates resume from the moment the estimate is withdrawn.
            self.start_update(at)


def _merged(halts: list[_Halt]) -> list[tuple[datetime, datetime | None]]:
    """Union of halts; an end of None runs on past `now`."""
    spans = sorted(((h.start, h.end()) for h in halts), key=lambda s: s[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for start, end in spans:
        if end is not None and end <= start:
            continue
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start <= last_end:
                new_end = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_start, new_end)
                continue
        merged.append((start, end))
    return merged


def _running(
    start: datetime, stop: datetime, halts: list[tuple[datetime, datetime | None]]
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, stop) outside every halt."""
    segments: list[tuple[datetime, datetime]] = []
    cursor: datetime | None = start
    for halt_start, halt_end in halts:
        if cursor is None or cursor >= stop or halt_start >= stop:
            break
        if halt_end is not None and halt_end <= cursor:
            continue
        if halt_start > cursor:
            segments.append((cursor, halt_start))
        cursor = None if halt_end is None else max(cursor, halt_end)
    if cursor is not None and cursor < stop:
        segments.append((cursor, stop))
    return segments


def _halt_at(halts: list[tuple[datetime, datetime | None]], now: datetime) -> tuple[bool, datetime | None]:
    """Whether clocks are halted at `now`, and when they resume if that is known."""
    for start, end in halts:
        if start <= now and (end is None or now < end):
            return True, end
    return False, None


def _due(
    run: _Run,
    target: Target,
    calendars: Mapping[str, BusinessCalendar],
    halts: list[tuple[datetime, datetime | None]],
    now: datetime,
) -> datetime | None:
    """When the run's budget is (or will be) used up; None if paused with no known end."""
    calendar = calendar_named(calendars, target.calendar)
    remaining = target.length(calendar)
    stop = run.end if run.end is not None else now
    segments = _running(run.start, stop, halts)
    # Still using its budget at `now`, unless a halt begins at this very instant (the
    # clocks are recomputed at the moment a case goes On Hold).
    running_now = (
        run.end is None and bool(segments) and segments[-1][1] == now and not _halt_at(halts, now)[0]
    )
    for i, (a, b) in enumerate(segments):
        if running_now and i == len(segments) - 1:
            return calendar.add(a, remaining)
        used = calendar.measure(a, b)
        if used > timedelta(0) and used >= remaining:
            return calendar.add(a, remaining)
        remaining -= used
    if run.end is not None:
        return None
    halted, resume = _halt_at(halts, now)
    if halted and resume is not None:
        return calendar.add(resume, remaining)
    if not halted:
        # The run starts at `now` exactly: nothing used yet.
        return calendar.add(max(run.start, now), remaining)
    return None


def _run_due(
    run: _Run,
    target: Target,
    interval: tuple[timedelta, datetime] | None,
    calendars: Mapping[str, BusinessCalendar],
    halts: list[tuple[datetime, datetime | None]],
    now: datetime,
) -> tuple[datetime | None, datetime, Target]:
    """The run's due, and the start and target it counts from: the policy's, or for an update
    a shorter interval the customer asked for, counted from the later of the run's start and
    the request (asking late in a run does not make it late at once)."""
    due = _due(run, target, calendars, halts, now)
    if run.clock != Clock.UPDATE or interval is None:
        return due, run.start, target
    requested = Target(target.calendar, interval[0])
    calendar = calendar_named(calendars, target.calendar)
    if requested.length(calendar) >= target.length(calendar):
        return due, run.start, target
    since = max(run.start, interval[1])
    asked = _due(_Run(run.clock, since, run.end), requested, calendars, halts, now)
    if asked is not None and (due is None or asked < due):
        return asked, since, requested
    return due, run.start, target


def deadlines(
    history: Iterable[Event],
    policies: Policies,
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
) -> Deadlines:
    """Replay `history` up to `now` and report the case's clocks (see the module docstring).

    Events after `now` are ignored, so the same history answers "where did it stand then".
    Events at the same instant apply in the order given. Instants come back in UTC.
    """
    now = _utc(now)
    events = sorted((e for e in history if e.at <= now), key=lambda e: e.at)
    if not events or events[0].kind != EventKind.OPENED:
        raise ValueError("A case's history starts with its opening.")
    opening = events[0]
    assert opening.priority is not None
    replay = _Replay(
        priority=opening.priority,
        vendor=opening.vendor or None,
        status=opening.status or Status.NEW,
    )
    replay.first_response = _Run(Clock.FIRST_RESPONSE, opening.at)
    replay.runs.append(replay.first_response)
    if replay.status in CLOSED_STATUSES:
        replay.closed_since = opening.at
        replay.status_halt = replay.halt(opening.at, None)
    for event in events[1:]:
        replay.apply(event)

    halts = _merged(replay.halts)
    stopped = replay.closed_since is not None
    breaches: list[Breach] = []
    current_due: dict[Clock, datetime | None] = {}
    running: dict[Clock, tuple[Clock, datetime, Target]] = {}
    for run in replay.runs:
        if run.end is None:
            policy = policies.policy(replay.priority, replay.vendor, replay.service)
        else:
            assert run.priority is not None
            policy = policies.policy(run.priority, run.vendor, run.service)
        first = run.clock == Clock.FIRST_RESPONSE
        target = policy.initial_response if first else policy.update_frequency
        interval = replay.interval if run.end is None else run.interval
        due, counted_from, target = _run_due(run, target, interval, calendars, halts, now)
        live = run.end is None and not stopped
        if live:
            current_due[run.clock] = due
            if due is not None:
                running[run.clock] = (run.clock, counted_from, target)
        if due is None:
            continue
        if run.end is not None:
            until = run.end
        elif stopped:
            assert replay.closed_since is not None
            until = replay.closed_since
        else:
            until = now
        if until > due:
            breaches.append(Breach(run.clock, due, until, until - due, ongoing=live))

    completion_due, completion_running = None, None
    done = replay.completion
    agreed = policies.policy(replay.priority, replay.vendor, replay.service).completion
    if done is not None and agreed is not None:
        budget = Target(agreed.calendar, agreed.duration + replay.extension, agreed.business_days)
        due = _due(done, budget, calendars, halts, now)
        if done.end is None and not stopped:
            completion_due = due
            if due is not None:
                completion_running = (done.start, budget)
        until = done.end if done.end is not None else (replay.closed_since or now)
        if due is not None and until > due:
            breaches.append(
                Breach(Clock.COMPLETION, due, until, until - due, ongoing=done.end is None and not stopped)
            )

    for watch in replay.watches:
        until = watch.end if watch.end is not None else now
        if until > watch.etr:
            breaches.append(Breach(Clock.ETR, watch.etr, until, until - watch.etr, ongoing=watch.end is None))

    halted, resume = _halt_at(halts, now)
    paused = halted and not stopped
    reason: PauseReason | None = None
    if paused:
        active = {h.reason for h in replay.halts if h.active_at(now)}
        reason = next((r for r in PauseReason if r in active), None)

    first_response_due = current_due.get(Clock.FIRST_RESPONSE)
    next_update_due = current_due.get(Clock.UPDATE)
    etr = replay.watch.etr if replay.watch is not None and not stopped else None
    shown = [d for d in (first_response_due, next_update_due, etr, completion_due) if d is not None]
    first_response = replay.first_response
    return Deadlines(
        priority=replay.priority,
        vendor=replay.vendor,
        status=replay.status,
        first_response_due=first_response_due,
        first_response_met_at=first_response.end if first_response and first_response.met else None,
        next_update_due=next_update_due,
        etr=etr,
        paused=paused,
        pause_reason=reason,
        paused_until=resume if paused else None,
        stopped=stopped,
        breaches=tuple(sorted(breaches, key=lambda b: b.due)),
        next_due=min(shown) if shown else None,
        requested_update=replay.interval[0] if replay.interval else None,
        running=running.get(Clock.FIRST_RESPONSE) or running.get(Clock.UPDATE),
        completion_due=completion_due,
        completion_met_at=done.end if done is not None and done.met else None,
        completion_running=completion_running,
    )


def deadline_preview(
    priority: Priority,
    opened_at: datetime,
    policies: Policies,
    calendars: Mapping[str, BusinessCalendar],
    vendor: str | None = None,
) -> tuple[datetime, datetime]:
    """(initial response due, first update due) for a case opened now, never paused.

    The first update is counted from the initial-response deadline: the latest moment a
    compliant first response can come, so this is the latest the customer should hear
    the second time. An earlier response brings the real update deadline forward.
    """
    policy = policies.policy(priority, vendor)
    initial_due = policy.initial_response.due(opened_at, calendars)
    return initial_due, policy.update_frequency.due(initial_due, calendars)
