"""Keeping the summary tables: the history read forward from a watermark, each case event
folded into its case's facts and the day's counts. Only the sweep (and `rebuild_reports`)
writes here, under the watermark's row lock, so a case action never waits on a summary
row; reading the history in event order from the case's first entry makes the result the
same however the reading is split into runs, and a rebuild from nothing equals it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from casedesk.cases.models import Case, CaseEvent
from casedesk.core import bulk, clock
from casedesk.reporting.models import CaseFact, DayFigure, Measure, Watermark
from casedesk.rules.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, Actor, Status

MARK = "history"
BATCH = 5000
# Histogram bounds of a duration, in minutes: a figure's `bucket` is the index of the first
# bound it does not exceed (the last bucket is open-ended).
BUCKETS: tuple[int, ...] = (
    5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1440,
    2160, 2880, 4320, 7200, 10080, 20160, 43200,
)  # fmt: skip
OPEN = frozenset(s.value for s in OPEN_STATUSES)
CLOSED = frozenset(s.value for s in CLOSED_STATUSES)
# Done with: resolved awaiting confirmation, or closed (a duplicate is not a resolution).
DONE = frozenset({Status.RESOLVED.value, Status.CLOSED.value, Status.CLOSED_NO_RESPONSE.value})
TRACKED = ("team", "assignee", "platform", "priority", "status")
_FIELD = {"team": "team_id", "assignee": "assignee_id", "platform": "platform_id"}
FIGURE_KEY = (
    "day", "measure", "organisation_id", "platform_id", "team_id", "agent_id",
    "priority", "channel", "kind", "bucket",
)  # fmt: skip

Key = tuple[Any, ...]


def bucket_of(seconds: float) -> int:
    minutes = seconds / 60
    for index, bound in enumerate(BUCKETS):
        if minutes <= bound:
            return index
    return len(BUCKETS)


def bucket_bound(index: int) -> int | None:
    """The bucket's upper bound in minutes; None for the open-ended last one."""
    return BUCKETS[index] if index < len(BUCKETS) else None


class _Tally:
    def __init__(self) -> None:
        self.rows: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def add(
        self, at: datetime, measure: str, fact: CaseFact, *, agent: int = 0, seconds: float | None = None
    ) -> None:
        key = (
            timezone.localdate(at),
            measure,
            fact.organisation_id,
            fact.platform_id,
            fact.team_id,
            agent,
            fact.priority,
            fact.channel,
            fact.kind,
            0 if seconds is None else bucket_of(seconds),
        )
        row = self.rows[key]
        row[0] += 1
        row[1] += 0 if seconds is None else int(seconds)


def _id(value: Any) -> int:
    return int(value) if value else 0


def _dims(fact: CaseFact) -> tuple[Any, ...]:
    return (fact.platform_id, fact.team_id, fact.priority)


def _initial(created: list[int]) -> tuple[dict[int, dict[str, Any]], dict[tuple[int, str], Any]]:
    """What a case was opened with: its row's lasting columns, and for each tracked field
    the old value of the first entry that changed it (later entries may be read in a
    later run, so the row's current value stands only for a field never changed)."""
    rows: dict[int, dict[str, Any]] = {
        row["id"]: dict(row)
        for row in Case.objects.filter(pk__in=created).values(
            "id",
            "organisation_id",
            "platform_id",
            "team_id",
            "assignee_id",
            "priority",
            "status",
            "channel",
            "kind",
            "follow_up_of_id",
        )
    }
    first: dict[tuple[int, str], Any] = {}
    later = (
        CaseEvent.objects.filter(case_id__in=created, changes__has_any_keys=list(TRACKED))
        .exclude(kind=CaseEvent.Kind.CREATED)
        .order_by("id")
        .values_list("case_id", "changes")
    )
    for case_id, changes in later:
        for field in TRACKED:
            if field in changes and (case_id, field) not in first:
                first[(case_id, field)] = changes[field][0]
    return rows, first


def _open_fact(event: dict[str, Any], row: dict[str, Any], first: dict[tuple[int, str], Any]) -> CaseFact:
    case_id = row["id"]

    def initial(field: str, current: Any) -> Any:
        return first.get((case_id, field), current)

    priority = (event["changes"].get("priority") or [None, None])[1] or row["priority"]
    return CaseFact(
        case_id=case_id,
        organisation_id=row["organisation_id"],
        platform_id=_id(initial("platform", row["platform_id"])),
        team_id=_id(initial("team", row["team_id"])),
        assignee_id=_id(initial("assignee", row["assignee_id"])),
        priority=priority,
        channel=row["channel"],
        kind=row["kind"],
        status=initial("status", row["status"]),
        opened_at=event["at"],
    )


def _fold(event: dict[str, Any], fact: CaseFact, tally: _Tally, follow_up: bool) -> None:
    at: datetime = event["at"]
    kind = event["kind"]
    if kind == CaseEvent.Kind.CREATED:
        tally.add(at, Measure.OPENED, fact)
        if follow_up:  # a closed case's customer came back: a new case carrying it on
            tally.add(at, Measure.REOPENED, fact)
        if fact.status in OPEN:
            tally.add(at, Measure.BACKLOG_IN, fact)
        return
    if kind == CaseEvent.Kind.COMMENT and event["public"] and event["actor_kind"] == Actor.STAFF:
        took = (at - fact.opened_at).total_seconds()
        if fact.first_response_at is None:
            fact.first_response_at = at
            tally.add(at, Measure.FIRST_RESPONSE, fact, agent=_id(event["actor_id"]), seconds=took)
        else:
            tally.add(at, Measure.UPDATE, fact, agent=_id(event["actor_id"]))
    changes = event["changes"]
    if not changes or not any(field in changes for field in TRACKED):
        return
    was_open, before, old_status = fact.status in OPEN, _dims(fact), fact.status
    for field in TRACKED:
        if field in changes:
            new = changes[field][1]
            if field in _FIELD:
                setattr(fact, _FIELD[field], _id(new))
            elif new:
                setattr(fact, field, new)
    if was_open and (fact.status not in OPEN or _dims(fact) != before):
        now_dims = (fact.platform_id, fact.team_id, fact.priority)
        fact.platform_id, fact.team_id, fact.priority = before
        tally.add(at, Measure.BACKLOG_OUT, fact)
        fact.platform_id, fact.team_id, fact.priority = now_dims
        moved = True
    else:
        moved = False
    if fact.status in OPEN and (not was_open or moved):
        tally.add(at, Measure.BACKLOG_IN, fact)
    if "status" in changes:
        status = fact.status
        if status in DONE and old_status not in DONE and old_status != Status.DUPLICATE.value:
            fact.resolved_at = at
            took = (at - fact.opened_at).total_seconds()
            tally.add(at, Measure.RESOLVED, fact, agent=fact.assignee_id, seconds=took)
        elif old_status in DONE and status not in CLOSED and status != Status.RESOLVED.value:
            fact.reopened += 1
            tally.add(at, Measure.REOPENED, fact)


_FACT_FIELDS = [
    "platform_id", "team_id", "assignee_id", "priority", "status", "first_response_at",
    "resolved_at", "reopened",
]  # fmt: skip


def _insert(
    table: str, columns: list[str], types: list[str], rows: list[tuple[Any, ...]], tail: str = ""
) -> None:
    """Many rows in one statement: on PostgreSQL as one array per column (`unnest`), a
    fixed statement whatever the row count; elsewhere one statement run per row. The ORM's
    per-value compiling costs more than the database's work at a rebuild's volume."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    # Every name here is the model's own, quoted: no outside text reaches the statement.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            sql = f"INSERT INTO {quote(table)} ({names}) SELECT * FROM unnest({arrays}){tail}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        else:
            values = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({values}){tail}", rows)  # noqa: S608


def _write(tally: _Tally) -> None:
    if not tally.rows:
        return
    table = DayFigure._meta.db_table
    quote = connection.ops.quote_name
    keys = ", ".join(quote(c) for c in FIGURE_KEY)
    adds = ", ".join(
        f"{quote(c)} = {quote(table)}.{quote(c)} + EXCLUDED.{quote(c)}" for c in ("count", "seconds")
    )
    adapt = connection.ops.adapt_datefield_value
    rows = [(adapt(key[0]), *key[1:], count, seconds) for key, (count, seconds) in tally.rows.items()]
    _insert(
        table,
        [*FIGURE_KEY, "count", "seconds"],
        _FIGURE_TYPES,
        rows,
        f" ON CONFLICT ({keys}) DO UPDATE SET {adds}",
    )


_FACT_COLUMNS = [
    "case_id", "organisation_id", "platform_id", "team_id", "assignee_id", "priority", "channel", "kind",
    "status", "opened_at", "first_response_at", "resolved_at", "reopened",
]  # fmt: skip


_FACT_TYPES = [
    "bigint", "integer", "integer", "integer", "integer", "text", "text", "text", "text",
    "timestamptz", "timestamptz", "timestamptz", "integer",
]  # fmt: skip
_FIGURE_TYPES = [
    "date", "text", "integer", "integer", "integer", "integer", "text", "text", "text", "smallint",
    "integer", "bigint",
]  # fmt: skip


def _insert_facts(facts: Iterable[CaseFact]) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        tuple(
            adapt(value) if isinstance(value, datetime) else value
            for value in (getattr(f, name) for name in _FACT_COLUMNS)
        )
        for f in facts
    ]
    _insert(CaseFact._meta.db_table, _FACT_COLUMNS, _FACT_TYPES, rows)


def _fold_batch(events: list[dict[str, Any]]) -> None:
    created = [e["case_id"] for e in events if e["kind"] == CaseEvent.Kind.CREATED]
    rows, first = _initial(created) if created else ({}, {})
    others = {e["case_id"] for e in events} - set(created)
    facts: dict[int, CaseFact] = CaseFact.objects.in_bulk(list(others)) if others else {}
    new: dict[int, CaseFact] = {}
    dirty: set[int] = set()
    tally = _Tally()
    for event in events:
        case_id = event["case_id"]
        if event["kind"] == CaseEvent.Kind.CREATED:
            row = rows.get(case_id)
            if row is None or case_id in facts:
                continue
            fact = new[case_id] = facts[case_id] = _open_fact(event, row, first)
            _fold(event, fact, tally, follow_up=row["follow_up_of_id"] is not None)
            continue
        known = facts.get(case_id)
        if known is None:  # its opening is not in the history
            continue
        _fold(event, known, tally, follow_up=False)
        dirty.add(case_id)
    _insert_facts(new.values())
    bulk.update_rows(
        CaseFact,
        [(pk, {name: getattr(facts[pk], name) for name in _FACT_FIELDS}) for pk in dirty - set(new)],
    )
    _write(tally)


def advance(*, until: datetime | None = None, batch: int = BATCH, runs: int | None = None) -> int:
    """Fold in the history written since the last run, `batch` events per transaction;
    `until`: only entries dated before it (a later one may belong to a transaction that
    commits after one numbered above it). Returns how many entries were read."""
    done = 0
    while runs is None or runs > 0:
        with transaction.atomic():
            Watermark.objects.get_or_create(name=MARK)
            mark = Watermark.objects.select_for_update().get(name=MARK)
            events: list[dict[str, Any]] = [
                dict(e)
                for e in CaseEvent.objects.filter(id__gt=mark.last_event)
                .order_by("id")
                .values("id", "case_id", "at", "kind", "actor_id", "actor_kind", "public", "changes")[:batch]
            ]
            if until is not None:
                ready = list(_until(events, until))
                short = len(ready) < len(events)
                events = ready
            else:
                short = False
            if not events:
                return done
            _fold_batch(events)
            mark.last_event = events[-1]["id"]
            mark.updated_at = clock.now()
            mark.save(update_fields=["last_event", "updated_at"])
            done += len(events)
        if short or len(events) < batch:
            return done
        if runs is not None:
            runs -= 1
    return done


def _until(events: Iterable[dict[str, Any]], until: datetime) -> Iterable[dict[str, Any]]:
    for event in events:
        if event["at"] >= until:
            return
        yield event


def rebuild(*, batch: int = BATCH) -> int:
    """Regenerate every summary from the history alone."""
    with transaction.atomic():
        Watermark.objects.get_or_create(name=MARK)
        Watermark.objects.select_for_update().filter(name=MARK).update(last_event=0)
        DayFigure.objects.all().delete()
        CaseFact.objects.all().delete()
    return advance(batch=batch)
