"""Recorded breaches: what the clocks' replay found late, kept as rows for the report and the
alerts (one row per case, clock and deadline, its lateness kept up to date)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from casedesk.core import bulk
from casedesk.rules import sla as rules
from casedesk.sla.models import Breach


class Replayed(NamedTuple):
    case_id: int
    team_id: int | None
    deadlines: rules.Deadlines


def record(found: Sequence[Replayed], *, recheck: Collection[int] = ()) -> None:
    """Store each case's breaches: one read of the rows already there, one insert, one
    update per set of changed columns. An ongoing breach the replay no longer finds (its
    clock re-targeted: a priority, vendor or requested interval changed while it was late)
    is removed, so the rows are what the replay says; `recheck`: cases without a breach now
    that may have such a row (a deadline of theirs had passed), read too."""
    wanted = [(one, breach) for one in found for breach in one.deadlines.breaches]
    look = {one.case_id for one, _ in wanted} | {one.case_id for one in found if one.case_id in recheck}
    if not look:
        return
    existing = {(row.case_id, row.clock, row.due): row for row in Breach.objects.filter(case_id__in=look)}
    new: list[Breach] = []
    changed = []
    for one, breach in wanted:
        values = {
            "until": breach.until,
            "late": breach.late,
            "ongoing": breach.ongoing,
            "priority": one.deadlines.priority.value,
            "team_id": one.team_id,
        }
        row = existing.get((one.case_id, breach.clock.value, breach.due))
        if row is None:
            new.append(Breach(case_id=one.case_id, clock=breach.clock.value, due=breach.due, **values))
        else:
            diff = {key: value for key, value in values.items() if getattr(row, key) != value}
            if diff:
                changed.append((row.pk, diff))
    found_now = {(one.case_id, breach.clock.value, breach.due) for one, breach in wanted}
    stale = [row.pk for key, row in existing.items() if row.ongoing and key not in found_now]
    if stale:
        Breach.objects.filter(pk__in=stale).delete()
    bulk.insert(new)
    bulk.update_rows(Breach, changed)
