"""The summary tables follow the history: folded in by the sweep in any number of runs,
they equal a rebuild from nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedesk.cases import actions
from casedesk.core.errors import Refused
from casedesk.reporting import upkeep
from casedesk.reporting.models import CaseFact, DayFigure
from tests.factories import StaffFactory, TeamFactory, customer, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")
START = datetime(2026, 11, 2, 8, 0, tzinfo=MT)


def snapshot() -> tuple[list[tuple], list[tuple]]:
    figures = sorted(DayFigure.objects.values_list(*upkeep.FIGURE_KEY, "count", "seconds").order_by())
    facts = sorted(
        CaseFact.objects.values_list(
            "case_id",
            "platform_id",
            "team_id",
            "assignee_id",
            "priority",
            "status",
            "first_response_at",
            "resolved_at",
            "reopened",
        )
    )
    return [f for f in figures if f[-2]], facts


ACTION = st.tuples(
    st.sampled_from(["open", "reply", "customer", "dispose", "resolve", "close", "reopen", "sweep"]),
    st.integers(0, 5),
    st.integers(1, 600),  # minutes later
)


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(ACTION, min_size=3, max_size=25))
def test_rebuild_equals_incremental(steps):
    try:
        with transaction.atomic():
            _run(steps)
            raise _Rollback
    except _Rollback:
        pass


def _run(steps) -> None:
    tech, team = StaffFactory(), TeamFactory()
    other_team = TeamFactory()
    client = customer()
    cases: list = []
    now = START
    for what, index, minutes in steps:
        now += timedelta(minutes=minutes)
        with time_machine.travel(now, tick=False):
            if what == "open" or not cases:
                cases.append(make_case(by=client))
                continue
            case = cases[index % len(cases)]
            case.refresh_from_db()
            try:
                if what == "reply":
                    actions.add_comment(case, by=tech, body="Looking")
                elif what == "customer":
                    actions.add_comment(case, by=client, body="Any news?")
                elif what == "dispose":
                    actions.disposition(
                        case, by=tech, priority=["P2", "P3"][index % 2], team=[team, other_team][index % 2],
                        assignee=tech,
                    )  # fmt: skip
                elif what == "resolve":
                    actions.transition(case, to="resolved_follow_up", by=tech, resolution="Rebooted")
                elif what == "close":
                    actions.transition(case, to="closed", by=tech, resolution="Done")
                elif what == "reopen":
                    actions.request_reopen(case, by=client, note="Broken again")
                elif what == "sweep":
                    upkeep.advance(batch=1 + index, runs=1 + index % 2)
            except Refused:
                pass
    upkeep.advance(batch=3)
    incremental = snapshot()
    upkeep.rebuild()
    assert snapshot() == incremental
    assert incremental[1], "the cases are in the facts"


def test_a_run_folds_only_what_is_new_and_twice_changes_nothing():
    with time_machine.travel(START, tick=False):
        make_case()
    assert upkeep.advance() > 0
    first = snapshot()
    assert upkeep.advance() == 0
    assert snapshot() == first


def test_entries_younger_than_the_settling_time_wait(settings):
    with time_machine.travel(START, tick=False):
        make_case()
    assert upkeep.advance(until=START) == 0
    assert upkeep.advance(until=START + timedelta(seconds=1)) > 0


def test_a_case_action_touches_no_summary_table():
    """The upkeep adds nothing to a case action: the action writes its entry, the sweep
    folds it in later under its own lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(START, tick=False):
        case = make_case()
        tech = StaffFactory()
        with CaptureQueriesContext(connection) as captured:
            actions.add_comment(case, by=tech, body="On it")
            actions.transition(case, to="closed", by=tech, resolution="Done")
    assert captured.captured_queries
    assert not [q for q in captured.captured_queries if "reporting_" in q["sql"]]
