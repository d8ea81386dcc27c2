"""One change to many cases chosen in a queue: assign, set the team or the priority, move
the status, mark as duplicates of one case. Each case goes through the same case action as
on its own page (its own lock, rules and one timeline entry), so what is refused for one
case is refused here; a refused case is reported by number with why, and the others go on."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casedesk.accounts.models import Team, User
from casedesk.cases import actions, selectors
from casedesk.cases.models import Case, pk_from_number
from casedesk.core.errors import NotFound, Refused

MAX_CASES = 200
# Cases written per transaction: a commit (a disk flush) per chunk rather than per case,
# and row locks held for a fraction of a second.
CHUNK = 25


class Change(enum.StrEnum):
    ASSIGN = "assign"
    TEAM = "team"
    PRIORITY = "priority"
    STATUS = "status"
    DUPLICATE = "duplicate"


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, why)


@dataclass(frozen=True)
class Request:
    change: Change
    assignee: User | None = None
    team: Team | None = None
    priority: str = ""
    to: str = ""
    note: str = ""
    resolution: str = ""
    main_case: str = ""


def _one(case: Case, by: User, req: Request, main: Case | None) -> None:
    if req.change == Change.ASSIGN:
        actions.disposition(case, by=by, priority=case.priority, team=case.team, assignee=req.assignee)
    elif req.change == Change.TEAM:
        actions.disposition(case, by=by, priority=case.priority, team=req.team, assignee=case.assignee)
    elif req.change == Change.PRIORITY:
        if not req.priority:
            raise Refused("Choose the priority to set.")
        actions.disposition(case, by=by, priority=req.priority, team=case.team, assignee=case.assignee)
    elif req.change == Change.STATUS:
        actions.transition(case, to=req.to, by=by, note=req.note, resolution=req.resolution)
    else:
        actions.transition(case, to="duplicate", by=by, note=req.note, main_case=main)


def apply(by: User, numbers: Sequence[str], req: Request) -> Outcome:
    """Apply `req` to each case `by` may see, each through its own action (and savepoint),
    reported in the order given."""
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not numbers:
        raise Refused("Select at least one case.")
    if len(numbers) > MAX_CASES:
        raise Refused(f"At most {MAX_CASES} cases at once; {len(numbers)} were selected.")
    main = None
    if req.change == Change.DUPLICATE:
        try:
            main = selectors.get_case(by, req.main_case)
        except NotFound:
            raise Refused(
                f"There is no case {req.main_case or '(none given)'} to be the main case."
            ) from None
    cases = _cases(by, numbers)
    why: dict[str, str] = {number: "No such case." for number in numbers if number not in cases}
    found = sorted(cases.items(), key=lambda item: item[1].pk)
    for start in range(0, len(found), CHUNK):
        # One transaction a chunk, and each case's action in its own savepoint (every
        # action writes inside one), so a refused case leaves nothing behind and the others
        # go on; the rows are locked at once in key order, so two bulk changes over the
        # same cases wait for each other rather than deadlock. What follows each entry
        # (clocks, search, notices) is written once for the chunk (`actions.batch`).
        chunk = found[start : start + CHUNK]
        with transaction.atomic(), actions.batch([case.pk for _, case in chunk]) as batch:
            for number, case in chunk:
                try:
                    with batch.part():
                        _one(case, by, req, main)
                except Refused as exc:
                    why[number] = str(exc)
    outcome = Outcome()
    for number in numbers:
        if number in why:
            outcome.refused.append((cases[number].number if number in cases else number, why[number]))
        else:
            outcome.done.append(cases[number].number)
    return outcome


def _cases(by: User, numbers: list[str]) -> dict[str, Case]:
    """The cases named, those `by` may see, by the number as given (one query)."""
    pks: dict[int, str] = {}
    for number in numbers:
        pk = pk_from_number(number)
        if pk is not None:
            pks[pk] = number
    rows: Any = (
        selectors.cases_visible_to(by)
        .filter(pk__in=list(pks))
        .select_related("organisation", "team", "assignee")
    )
    return {pks[case.pk]: case for case in rows}
