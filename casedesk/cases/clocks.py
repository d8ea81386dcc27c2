"""A case's SLA clocks: its timeline turned into the pure rules' history, replayed, and
the results stored on the case (indexed) so queues sort and sweeps find what is due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from casedesk.cases.models import Case, CaseEvent
from casedesk.core import bulk, clock
from casedesk.core.prepared import Prepared
from casedesk.rules import calendar as cal
from casedesk.rules import sla as rules
from casedesk.rules import timeline
from casedesk.rules.timeline import CLOSE_WARNING, Alert
from casedesk.sla import breaches, config, terms

__all__ = ["CLOSE_WARNING", "Alert"]


def closing_if_warned(cases: Sequence[Case], now: datetime) -> dict[int, datetime]:
    """For the (locked) open cases whose no-response warning is due at `now`, when each
    closes if the warning goes now; one read of their timelines."""
    timelines, calendar = _timelines(cases), config.current().calendar(cal.STANDARD)
    closes = {c.pk: timeline.closing_if_warned(timelines[c.pk], c.priority, calendar, now) for c in cases}
    return {pk: at for pk, at in closes.items() if at is not None}


def compute(
    case: Case, now: datetime | None = None, *, events: Iterable[Any] | None = None
) -> tuple[rules.Deadlines, dict[str, Any], list[Alert]]:
    """The case's clocks from its timeline (read from the database unless `events`, the
    whole timeline in order, is given): see `rules.timeline.clocks`."""
    now = now or clock.now()
    cfg = config.current()
    entries = list(case.events.order_by("at", "id") if events is None else events)
    return timeline.clocks(
        entries, case, terms.for_organisation(cfg, case.organisation_id), cfg.calendars, now
    )


def refresh(case: Case, now: datetime | None = None) -> rules.Deadlines:
    """Recompute and store the case's clocks and record its breaches (in the caller's
    transaction; actions call it after every timeline event)."""
    now = now or clock.now()
    d, values, _ = compute(case, now)
    store(case, d, values, now)
    return d


def _was_late(case: Case, now: datetime) -> bool:
    """Whether the case's stored clocks (before this replay) had a deadline behind them, so
    that a breach row of a clock since re-targeted may be stored for it."""
    return case.next_due_at is not None and case.next_due_at <= now


# Replayed for every comment: built once per process (`core.prepared`).
_TIMELINES: Prepared[tuple[Any, ...]] = Prepared(
    lambda cases: (
        CaseEvent.objects.filter(case_id__in=cases)
        .order_by("at", "id")
        .values_list("case_id", *_Entry._fields)
    ),
    warm=[[0]],
)


def _timelines(cases: Sequence[Case]) -> dict[int, list[_Entry]]:
    """What `history` needs of the timelines of several cases, with one query."""
    timelines: dict[int, list[_Entry]] = defaultdict(list)
    for case_id, *fields in _TIMELINES(sorted({case.pk for case in cases})):
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
    late = set()
    for case in cases:
        d, values, _ = compute(case, now, events=timelines[case.pk])
        if _was_late(case, now):
            late.add(case.pk)
        changed[case.pk] = _changed(case, values)
        found.append((case, d))
    store_breaches_many(found, recheck=late)
    return changed


class _Entry(NamedTuple):
    """What `history` reads of a timeline entry."""

    kind: str
    changes: dict[str, Any]
    public: bool
    actor_kind: str
    asks_customer: bool
    at: datetime


def store(case: Case, d: rules.Deadlines, values: dict[str, Any], now: datetime | None = None) -> None:
    late = now is not None and _was_late(case, now)
    changed = {k: v for k, v in values.items() if getattr(case, k) != v}
    if changed:
        Case.objects.filter(pk=case.pk).update(**changed)
        for key, value in changed.items():
            setattr(case, key, value)
    store_breaches_many([(case, d)], recheck={case.pk} if late else set())


def store_breaches(case: Case, d: rules.Deadlines) -> None:
    store_breaches_many([(case, d)])


def store_breaches_many(
    found: Sequence[tuple[Case, rules.Deadlines]], *, recheck: Collection[int] = ()
) -> None:
    """Record the cases' breaches (`sla.breaches.record`)."""
    breaches.record([breaches.Replayed(case.pk, case.team_id, d) for case, d in found], recheck=recheck)


def alerts_now(cases: Sequence[Case], now: datetime) -> dict[int, Alert]:
    """For the SLA sweep, for several cases (locked by the caller), in one replay each: the
    alert whose time has come (the latest, if several passed while no sweep ran), with the
    clocks stored and the next alert set; one read of their timelines and one statement per
    set of changed columns."""
    timelines = _timelines(cases)
    found: dict[int, Alert] = {}
    rows = []
    deadlines = []
    late = set()
    for case in cases:
        d, values, pending = compute(case, now, events=timelines[case.pk])
        if _was_late(case, now):
            late.add(case.pk)
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
    store_breaches_many(deadlines, recheck=late)
    return found
