"""A case's clocks replayed once for the same inputs (`rules.timeline.clocks`) are those
replayed afresh, whatever was asked before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.rules import timeline
from casedesk.rules.calendar import default_calendars
from casedesk.rules.sla import Policies

CALENDARS = default_calendars()
POLICIES = Policies()
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry(kind: str, at: datetime, **fields: object) -> SimpleNamespace:
    values = {"changes": {}, "public": True, "actor_kind": "customer", "asks_customer": False}
    return SimpleNamespace(kind=kind, at=at, **{**values, **fields})


def case(priority: str = "P3", status: str = "new", alerted: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(priority=priority, status=status, on_hold_until=None, alerted_through=alerted)


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["staff", "customer", "status", "priority"]),
        st.integers(1, 60 * 24 * 5),
    ),
    max_size=4,
)


def _timeline(priority: str, steps: list[tuple[str, int]]) -> list[SimpleNamespace]:
    out = [entry("created", START, changes={"priority": [None, priority]})]
    at = START
    for what, minutes in steps:
        at += timedelta(minutes=minutes)
        if what == "staff":
            out.append(entry("comment", at, actor_kind="staff"))
        elif what == "customer":
            out.append(entry("comment", at))
        elif what == "status":
            out.append(entry("status", at, actor_kind="staff", changes={"status": ["new", "in_progress"]}))
        else:
            out.append(entry("change", at, actor_kind="staff", changes={"priority": [priority, "P2"]}))
    return out


@settings(max_examples=80, deadline=None)
@given(
    priority=st.sampled_from(["P1", "P2", "P3", "P4"]),
    steps=STEPS,
    later=st.integers(0, 60 * 24 * 10),
    alerted=st.booleans(),
)
def test_a_remembered_replay_is_the_fresh_one(priority, steps, later, alerted):
    entries = _timeline(priority, steps)
    now = entries[-1].at + timedelta(minutes=later)
    row = case(priority, alerted=START + timedelta(minutes=later // 2) if alerted else None)
    fresh = timeline._clocks(
        timeline.history(entries, row.priority), timeline.warnings(entries), row, POLICIES, CALENDARS, now
    )
    first = timeline.clocks(entries, row, POLICIES, CALENDARS, now)
    first[1]["next_due_at"] = "changed by its caller"  # what a caller does to its copy stays there
    first[2].clear()
    again = timeline.clocks(entries, row, POLICIES, CALENDARS, now)
    assert again == fresh


def test_other_policies_calendars_or_time_zones_are_replayed_again():
    entries = _timeline("P2", [("staff", 30)])
    now = START + timedelta(hours=3)
    row = case("P2")
    timeline.clocks(entries, row, POLICIES, CALENDARS, now)
    other = Policies()
    assert timeline.clocks(entries, row, other, default_calendars(), now) == timeline._clocks(
        timeline.history(entries, "P2"), [], row, other, default_calendars(), now
    )
    local = now.astimezone(ZoneInfo("America/Denver"))  # the same instant, read elsewhere
    found = timeline.clocks(entries, row, POLICIES, CALENDARS, local)
    assert found == timeline._clocks(timeline.history(entries, "P2"), [], row, POLICIES, CALENDARS, local)
    replayed = [key for key in timeline._REPLAYED if key[-1] == ZoneInfo("America/Denver")]
    assert replayed  # kept apart from the replay at the same instant in UTC
