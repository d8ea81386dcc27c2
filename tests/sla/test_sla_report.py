"""The SLA report counts a breach when the deadline passes unanswered, not only when a late
answer finally comes; each deadline is counted once, in the period it fell in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from casedesk.cases import actions
from casedesk.escalation import selectors, sweeps
from tests.factories import ManagerFactory, StaffFactory, TeamFactory, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")
DAY = date(2026, 11, 24)


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def p1s(count: int, tech, team) -> list:
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        cases = [make_case() for _ in range(count)]
        for case in cases:
            actions.disposition(case, by=tech, priority="P1", team=team, assignee=tech)
    return cases


NOON = mt(2026, 11, 24, 12, 0)


def report(day: date = DAY, now: datetime = NOON):
    with time_machine.travel(now, tick=False):
        return {(r.priority, r.team): r for r in selectors.sla_report(day, day)}


@pytest.mark.parametrize("swept", [True, False], ids=["breaches recorded by the sweep", "before any sweep"])
def test_three_unanswered_p1s_are_three_late_first_responses(swept):
    tech, team = StaffFactory(), TeamFactory(name="Cloud")
    p1s(3, tech, team)
    if swept:
        with time_machine.travel(mt(2026, 11, 24, 9, 30), tick=False):
            sweeps.sla_alerts(mt(2026, 11, 24, 9, 30))
    row = report()[("P1", "Cloud")]
    assert (row.responses, row.responses_late, row.response_pct) == (3, 3, 0.0)


def test_on_time_late_and_unanswered_first_responses():
    tech, team = StaffFactory(), TeamFactory(name="Cloud")
    on_time, late, silent = p1s(3, tech, team)
    with time_machine.travel(mt(2026, 11, 24, 9, 10), tick=False):
        actions.add_comment(on_time, by=tech, body="On it")
    with time_machine.travel(mt(2026, 11, 24, 9, 40), tick=False):
        actions.add_comment(late, by=tech, body="Sorry for the wait")
    row = report()[("P1", "Cloud")]
    assert (row.responses, row.responses_late, row.response_pct) == (3, 2, 33.3)
    assert silent.first_responded_at is None


def test_a_missed_update_counts_when_it_is_missed():
    tech, team = StaffFactory(), TeamFactory(name="Cloud")
    [case] = p1s(1, tech, team)
    with time_machine.travel(mt(2026, 11, 24, 9, 5), tick=False):
        actions.add_comment(case, by=tech, body="On it")  # the next update is due 10:05
    with time_machine.travel(mt(2026, 11, 24, 9, 50), tick=False):
        actions.add_comment(case, by=tech, body="Still on it")  # on time; next due 10:50
    row = report()[("P1", "Cloud")]
    assert (row.updates, row.updates_late, row.update_pct) == (2, 1, 50.0)
    # The late update finally comes: still one late update, not two.
    with time_machine.travel(mt(2026, 11, 24, 11, 30), tick=False):
        actions.add_comment(case, by=tech, body="Fixed the trunk")
    row = report()[("P1", "Cloud")]
    assert (row.updates, row.updates_late) == (2, 1)


def test_a_deadline_is_counted_in_the_period_it_fell_in_once():
    tech, team = StaffFactory(), TeamFactory(name="Cloud")
    [case] = p1s(1, tech, team)
    with time_machine.travel(mt(2026, 11, 25, 8, 0), tick=False):
        actions.add_comment(case, by=tech, body="Sorry: answered the next morning")
    first = report(DAY, mt(2026, 11, 25, 12, 0))[("P1", "Cloud")]
    assert (first.responses, first.responses_late) == (1, 1)
    # The next day the late answer is not counted again (its update clock runs on).
    second = report(date(2026, 11, 25), mt(2026, 11, 25, 12, 0)).get(("P1", "Cloud"))
    assert second is None or (second.responses, second.responses_late) == (0, 0)


def test_the_console_report_shows_the_missed_targets():
    tech, team = StaffFactory(), TeamFactory(name="Cloud")
    p1s(3, tech, team)
    client = Client()
    client.force_login(ManagerFactory())
    with time_machine.travel(mt(2026, 11, 24, 12, 0), tick=False):
        page = client.get(
            "/console/reports/sla/", {"start": "2026-11-24", "end": "2026-11-24"}
        ).content.decode()
        csv = client.get(
            "/console/reports/sla/", {"start": "2026-11-24", "end": "2026-11-24", "format": "csv"}
        )
    assert "0.0%" in page and "100.0%" not in page
    assert "P1,Cloud,3,3,0.0" in csv.content.decode()
