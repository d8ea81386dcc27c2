"""What a case's timeline means for its clocks (Client Support Plan §3, §4): the entries, as
plain values, read as the SLA history; and from it everything the case stores about its
deadlines, alerts and closure, so that queues sort and sweeps find what is due.

Pure Python: no Django. The cases app reads the entries and the case's row and stores the
values answered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from casedesk.rules import closing
from casedesk.rules import sla as rules
from casedesk.rules.calendar import STANDARD, BusinessCalendar
from casedesk.rules.lifecycle import CLOSED_STATUSES, Actor, Status

WARN_AT = 0.8  # of a target's business time: the assignee is warned
# The entry field of the customer's warning that the case is about to close for no
# response: [None, the closing time announced].
CLOSE_WARNING = "close_warning"
CREATED, COMMENT, CHANGE = "created", "comment", "change"  # the entry kinds read here
# The entry fields of a MACD request that move its clocks: its service level, its approval
# state (the completion clock starts when it becomes "approved") and the total extra
# business time, in minutes, that a carrier or vendor needs.
SERVICE_LEVEL, APPROVAL, EXTENSION = "service_level", "approval", "completion_extension_minutes"
WORKABLE = ("approved", "not_needed")


class Entry(Protocol):
    """What the replay reads of a timeline entry."""

    @property
    def kind(self) -> str: ...
    @property
    def changes(self) -> Mapping[str, Any]: ...
    @property
    def public(self) -> bool: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def asks_customer(self) -> bool: ...
    @property
    def at(self) -> datetime: ...


class Row(Protocol):
    """What the replay reads of the case itself."""

    @property
    def priority(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def on_hold_until(self) -> datetime | None: ...
    @property
    def alerted_through(self) -> datetime | None: ...


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def history(entries: Iterable[Entry], priority: str) -> list[rules.Event]:
    """The plan's view of a timeline: only what moves a clock. `priority`: the case's, for
    an opening that did not record one."""
    out: list[rules.Event] = []
    for entry in entries:
        changes, at = entry.changes or {}, entry.at
        if entry.kind == CREATED:
            out.append(
                rules.Event.opened(at, rules.Priority((changes.get("priority") or [None, priority])[1]))
            )
            out.extend(_macd(changes, at))
            continue
        if entry.kind == COMMENT and entry.public:
            if entry.actor_kind == Actor.STAFF:
                out.append(rules.Event.staff_reply(at, asks_customer=entry.asks_customer))
            elif entry.actor_kind == Actor.CUSTOMER:
                out.append(rules.Event.customer_reply(at))
        status = _status(changes["status"][1]) if "status" in changes else None
        if status is not None:
            held = (changes.get("on_hold_until") or [None, None])[1] if status == Status.ON_HOLD else None
            out.append(rules.Event.status_change(at, status, hold_until=_when(held)))
            if entry.actor_kind == Actor.CUSTOMER and status not in CLOSED_STATUSES:
                out.append(rules.Event.customer_reply(at))
        if "priority" in changes:
            out.append(rules.Event.priority_change(at, rules.Priority(changes["priority"][1])))
        if "vendor" in changes:
            out.append(rules.Event.vendor_change(at, changes["vendor"][1] or None))
        if "etr" in changes:
            out.append(rules.Event.etr_set(at, _when(changes["etr"][1])))
        if "requested_update_minutes" in changes:
            minutes = changes["requested_update_minutes"][1]
            out.append(rules.Event.update_interval(at, timedelta(minutes=minutes) if minutes else None))
        out.extend(_macd(changes, at))
    return out


def _macd(changes: Mapping[str, Any], at: datetime) -> list[rules.Event]:
    out = []
    if SERVICE_LEVEL in changes:
        out.append(rules.Event.service_level(at, changes[SERVICE_LEVEL][1]))
    if APPROVAL in changes and changes[APPROVAL][1] in WORKABLE:
        out.append(rules.Event.work_approved(at))
    if EXTENSION in changes:
        out.append(rules.Event.completion_extended(at, timedelta(minutes=changes[EXTENSION][1] or 0)))
    return out


def warnings(entries: Iterable[Entry]) -> list[datetime]:
    """When the customer was warned that the case is about to close for no response."""
    return [e.at for e in entries if e.kind == CHANGE and CLOSE_WARNING in (e.changes or {})]


@dataclass(frozen=True)
class Alert:
    clock: rules.Clock
    stage: str  # "warn" | "breach"
    at: datetime
    due: datetime


def _calendar(calendars: Mapping[str, BusinessCalendar], key: str) -> BusinessCalendar:
    return calendars.get(key) or calendars[STANDARD]


def _pair(
    kind: rules.Clock,
    start: datetime,
    target: rules.Target,
    due: datetime,
    calendars: Mapping[str, BusinessCalendar],
) -> list[Alert]:
    calendar = _calendar(calendars, target.calendar)
    warn_at = calendar.add(start, target.length(calendar) * WARN_AT)
    return [Alert(kind, "warn", min(warn_at, due), due), Alert(kind, "breach", due, due)]


def alerts(d: rules.Deadlines, calendars: Mapping[str, BusinessCalendar]) -> list[Alert]:
    """The warning (at 80% of the target) and the breach notice of the clock running now,
    and of a MACD request's completion, in time order."""
    if d.stopped or d.paused:
        return []
    out: list[Alert] = []
    if d.running is None:
        if d.etr is not None:
            out.append(Alert(rules.Clock.ETR, "breach", d.etr, d.etr))
    else:
        kind, start, target = d.running
        due = d.first_response_due if kind == rules.Clock.FIRST_RESPONSE else d.next_update_due
        assert due is not None
        out += _pair(kind, start, target, due, calendars)
    if d.completion_running is not None and d.completion_due is not None:
        start, target = d.completion_running
        out += _pair(rules.Clock.COMPLETION, start, target, d.completion_due, calendars)
    return sorted(out, key=lambda a: a.at)


def clocks(
    entries: Sequence[Entry],
    case: Row,
    policies: rules.Policies,
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
) -> tuple[rules.Deadlines, dict[str, Any], list[Alert]]:
    """The case's deadlines at `now`, the values its row stores of them, and the alerts
    still to send (those after `case.alerted_through`).

    Pure, and remembered for the last few inputs: a batch of cases opened or answered
    together (a mailbox's backlog) replays the same history at the same moment again and
    again. The policies and calendars are told apart by identity (they are kept, so an
    identity is never another's); every other input by value, time zones included."""
    events = history(entries, case.priority)
    sent = warnings(entries)
    hold_until = case.on_hold_until if case.status == Status.ON_HOLD.value else None
    key = (
        tuple(events),
        tuple(e.at.tzinfo for e in entries),
        case.alerted_through,
        hold_until,
        tuple(sent),
        id(policies),
        id(calendars),
        now,
        now.tzinfo,
    )
    try:
        found = _REPLAYED.get(key)
    except TypeError:  # an unhashable value in the history: replayed every time
        return _clocks(events, sent, case, policies, calendars, now)
    if found is not None and found[0] is policies and found[1] is calendars:
        d, values, pending = found[2]
        return d, dict(values), list(pending)
    d, values, pending = _clocks(events, sent, case, policies, calendars, now)
    if len(_REPLAYED) >= REPLAYS_KEPT:
        _REPLAYED.clear()
    _REPLAYED[key] = (policies, calendars, (d, dict(values), list(pending)))
    return d, values, pending


REPLAYS_KEPT = 256
_REPLAYED: dict[tuple[Any, ...], tuple[Any, Any, tuple[rules.Deadlines, dict[str, Any], list[Alert]]]] = {}


def _clocks(
    events: list[rules.Event],
    sent: list[datetime],
    case: Row,
    policies: rules.Policies,
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
) -> tuple[rules.Deadlines, dict[str, Any], list[Alert]]:
    d = rules.deadlines(events, policies, calendars, now)
    pending = [a for a in alerts(d, calendars) if case.alerted_through is None or a.at > case.alerted_through]
    closes = None
    if not d.stopped:
        closes = closing.auto_close(events, _calendar(calendars, STANDARD), now, warnings=sent)
    hold_wake = case.on_hold_until if case.status == Status.ON_HOLD.value else None
    candidates = [t for t in (d.next_due, hold_wake) if t is not None]
    values = {
        "first_response_due": d.first_response_due,
        "first_responded_at": d.first_response_met_at,
        "next_update_due": d.next_update_due,
        "completion_due": d.completion_due,
        "completed_at": d.completion_met_at,
        "sla_paused": d.paused,
        "next_due_at": min(candidates) if candidates else None,
        "auto_close_at": closes.closes_at if closes else None,
        "close_warning_at": closes.warn_at if closes else None,
        "next_alert_at": pending[0].at if pending else None,
    }
    return d, values, pending


def closing_if_warned(
    entries: Sequence[Entry], priority: str, calendar: BusinessCalendar, now: datetime
) -> datetime | None:
    """If the case's no-response warning is due at `now`, when it closes once warned now."""
    events, sent = history(entries, priority), warnings(entries)
    before = closing.auto_close(events, calendar, now, warnings=sent)
    if before is None or before.warn_at is None or before.warn_at > now:
        return None
    after = closing.auto_close(events, calendar, now, warnings=[*sent, now])
    return after.closes_at if after is not None else None
