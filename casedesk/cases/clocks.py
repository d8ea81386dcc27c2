"""A case's SLA clocks: its timeline turned into the pure rules' history, replayed, and
the results stored on the case (indexed) so queues sort and sweeps find what is due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.utils.dateparse import parse_datetime

from casedesk.cases.models import Case, CaseEvent
from casedesk.core import bulk, clock
from casedesk.rules import calendar as cal
from casedesk.rules import sla as rules
from casedesk.rules.lifecycle import CLOSED_STATUSES, Actor, Status
from casedesk.sla import config
from casedesk.sla.models import Breach

NO_RESPONSE_BUSINESS_DAYS = 2
WARN_AT = 0.8  # of a target's business time: the assignee is warned


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return parse_datetime(value) if isinstance(value, str) else value


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def history(case: Case, events: Iterable[Any]) -> list[rules.Event]:
    """The plan's view of a timeline: only what moves a clock."""
    out: list[rules.Event] = []
    for event in events:
        changes = event.changes or {}
        if event.kind == CaseEvent.Kind.CREATED:
            priority = (changes.get("priority") or [None, case.priority])[1]
            out.append(rules.Event.opened(event.at, rules.Priority(priority)))
            continue
        if event.kind == CaseEvent.Kind.COMMENT and event.public:
            if event.actor_kind == Actor.STAFF:
                out.append(rules.Event.staff_reply(event.at, asks_customer=event.asks_customer))
            elif event.actor_kind == Actor.CUSTOMER:
                out.append(rules.Event.customer_reply(event.at))
        if "status" in changes:
            status = _status(changes["status"][1])
            if status is not None:
                hold = (
                    _when((changes.get("on_hold_until") or [None, None])[1])
                    if status == Status.ON_HOLD
                    else None
                )
                out.append(rules.Event.status_change(event.at, status, hold_until=hold))
                if event.actor_kind == Actor.CUSTOMER and status not in CLOSED_STATUSES:
                    out.append(rules.Event.customer_reply(event.at))
        if "priority" in changes and event.kind != CaseEvent.Kind.CREATED:
            out.append(rules.Event.priority_change(event.at, rules.Priority(changes["priority"][1])))
        if "vendor" in changes:
            out.append(rules.Event.vendor_change(event.at, changes["vendor"][1] or None))
        if "etr" in changes:
            out.append(rules.Event.etr_set(event.at, _when(changes["etr"][1])))
    return out


@dataclass(frozen=True)
class Alert:
    clock: rules.Clock
    stage: str  # "warn" | "breach"
    at: datetime
    due: datetime


def _alerts(case: Case, d: rules.Deadlines, events: list[rules.Event], cfg: config.Config) -> list[Alert]:
    """The warning (at 80% of the target) and the breach notice of the clock running now."""
    if d.stopped or d.paused:
        return []
    policy = cfg.policies.policy(d.priority, d.vendor)
    if d.first_response_due is not None:
        clock_kind, due, target = rules.Clock.FIRST_RESPONSE, d.first_response_due, policy.initial_response
        start = events[0].at
    elif d.next_update_due is not None:
        clock_kind, due, target = rules.Clock.UPDATE, d.next_update_due, policy.update_frequency
        replies = [e.at for e in events if e.kind == rules.EventKind.PUBLIC_STAFF_REPLY]
        start = replies[-1] if replies else events[0].at
    elif d.etr is not None:
        return [Alert(rules.Clock.ETR, "breach", d.etr, d.etr)]
    else:
        return []
    calendar = cfg.calendar(target.calendar)
    warn_at = calendar.add(start, target.length(calendar) * WARN_AT)
    return [Alert(clock_kind, "warn", min(warn_at, due), due), Alert(clock_kind, "breach", due, due)]


def _waiting_since(events: list[rules.Event]) -> datetime | None:
    """Since when the case has waited on the customer, if it does now."""
    since = None
    for event in events:
        if event.kind == rules.EventKind.PUBLIC_STAFF_REPLY:
            since = event.at if event.asks_customer else None
        elif event.kind == rules.EventKind.CUSTOMER_REPLY:
            since = None
        elif event.kind == rules.EventKind.STATUS_CHANGE:
            if event.status == Status.RESOLVED:
                since = event.at
            elif event.status != Status.IN_PROGRESS:
                # On Hold, Shipping, closure, reopening: no longer waiting on the customer.
                since = None
    return since


def compute(
    case: Case, now: datetime | None = None, *, events: Iterable[Any] | None = None
) -> tuple[rules.Deadlines, dict[str, Any], list[Alert]]:
    """The case's clocks from its timeline (read from the database unless `events`, the
    whole timeline in order, is given)."""
    now = now or clock.now()
    cfg = config.current()
    events = history(case, case.events.order_by("at", "id") if events is None else events)
    d = rules.deadlines(events, cfg.policies, cfg.calendars, now)
    alerts = _alerts(case, d, events, cfg)
    pending = [a for a in alerts if case.alerted_through is None or a.at > case.alerted_through]
    waiting = _waiting_since(events) if not d.stopped else None
    auto_close = (
        cfg.calendar(cal.STANDARD).add_business_days(waiting, NO_RESPONSE_BUSINESS_DAYS) if waiting else None
    )
    hold_wake = case.on_hold_until if case.status == Status.ON_HOLD.value else None
    candidates = [t for t in (d.next_due, hold_wake) if t is not None]
    values = {
        "first_response_due": d.first_response_due,
        "first_responded_at": d.first_response_met_at,
        "next_update_due": d.next_update_due,
        "sla_paused": d.paused,
        "next_due_at": min(candidates) if candidates else None,
        "auto_close_at": auto_close,
        "next_alert_at": pending[0].at if pending else None,
    }
    return d, values, pending


def refresh(case: Case, now: datetime | None = None) -> rules.Deadlines:
    """Recompute and store the case's clocks and record its breaches (in the caller's
    transaction; actions call it after every timeline event)."""
    d, values, _ = compute(case, now)
    store(case, d, values)
    return d


def _timelines(cases: Sequence[Case]) -> dict[int, list[_Entry]]:
    """What `history` needs of the timelines of several cases, with one query."""
    timelines: dict[int, list[_Entry]] = defaultdict(list)
    rows = (
        CaseEvent.objects.filter(case_id__in=[case.pk for case in cases])
        .order_by("at", "id")
        .values_list("case_id", *_Entry._fields)
    )
    for case_id, *fields in rows:
        timelines[case_id].append(_Entry(*fields))
    return timelines


def _changed(case: Case, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the case's, set on it."""
    changed = {k: v for k, v in values.items() if getattr(case, k) != v}
    for key, value in changed.items():
        setattr(case, key, value)
    return changed


def refresh_many(cases: Sequence[Case], now: datetime) -> dict[int, dict[str, Any]]:
    """`refresh` for several cases with one read of their timelines. The changed values are
    set on each case and returned by case for the caller's own update of the rows; breaches
    are recorded here."""
    timelines = _timelines(cases)
    changed: dict[int, dict[str, Any]] = {}
    found = []
    for case in cases:
        d, values, _ = compute(case, now, events=timelines[case.pk])
        changed[case.pk] = _changed(case, values)
        found.append((case, d))
    store_breaches_many(found)
    return changed


class _Entry(NamedTuple):
    """What `history` reads of a timeline entry."""

    kind: str
    changes: dict[str, Any]
    public: bool
    actor_kind: str
    asks_customer: bool
    at: datetime


def store(case: Case, d: rules.Deadlines, values: dict[str, Any]) -> None:
    changed = {k: v for k, v in values.items() if getattr(case, k) != v}
    if changed:
        Case.objects.filter(pk=case.pk).update(**changed)
        for key, value in changed.items():
            setattr(case, key, value)
    store_breaches(case, d)


def store_breaches(case: Case, d: rules.Deadlines) -> None:
    store_breaches_many([(case, d)])


def store_breaches_many(found: Sequence[tuple[Case, rules.Deadlines]]) -> None:
    """Record each case's breaches (one row per clock and deadline, its lateness kept up
    to date): one read of the rows already there, one insert, one update per set of
    changed columns."""
    wanted = [(case, d, breach) for case, d in found for breach in d.breaches]
    if not wanted:
        return
    stored = Breach.objects.filter(case_id__in={case.pk for case, _, _ in wanted})
    existing = {(row.case_id, row.clock, row.due): row for row in stored}
    new: list[Breach] = []
    changed = []
    for case, d, breach in wanted:
        values = {
            "until": breach.until,
            "late": breach.late,
            "ongoing": breach.ongoing,
            "priority": d.priority.value,
            "team_id": case.team_id,
        }
        row = existing.get((case.pk, breach.clock.value, breach.due))
        if row is None:
            new.append(Breach(case=case, clock=breach.clock.value, due=breach.due, **values))
        else:
            diff = {key: value for key, value in values.items() if getattr(row, key) != value}
            if diff:
                changed.append((row.pk, diff))
    bulk.insert(new)
    bulk.update_rows(Breach, changed)


def alert_now(case: Case, now: datetime) -> Alert | None:
    """For the SLA sweep, in one replay: the alert whose time has come (the latest, if
    several passed while no sweep ran), with the clocks stored and the next alert set."""
    return alerts_now([case], now).get(case.pk)


def alerts_now(cases: Sequence[Case], now: datetime) -> dict[int, Alert]:
    """`alert_now` for several cases (locked by the caller) with one read of their
    timelines and one statement per set of changed columns."""
    timelines = _timelines(cases)
    found: dict[int, Alert] = {}
    rows = []
    deadlines = []
    for case in cases:
        d, values, pending = compute(case, now, events=timelines[case.pk])
        due = [a for a in pending if a.at <= now]
        alert = due[-1] if due else None
        if alert is not None:
            values["alerted_through"] = alert.at
            later = [a for a in pending if a.at > alert.at]
            values["next_alert_at"] = later[0].at if later else None
            found[case.pk] = alert
        rows.append((case.pk, _changed(case, values)))
        deadlines.append((case, d))
    bulk.update_rows(Case, rows)
    store_breaches_many(deadlines)
    return found
