"""Each report's figures on a history built by hand: an answer in time, one late, a breach
never answered, and a case closed then reopened by its customer."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casedesk.cases import actions
from casedesk.escalation import sweeps as sla_sweeps
from casedesk.reporting import selectors, upkeep
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")
DAY = date(2026, 11, 24)


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


@pytest.fixture
def desk():
    tech, team = StaffFactory(first_name="Tess", last_name="Tech"), TeamFactory(name="Cloud")
    platform = PlatformFactory(name="Hosted voice")
    client = customer(OrganisationFactory(name="Acme Dental", platforms=[platform]))
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        on_time, silent, late = (make_case(by=client, platform=platform) for _ in range(3))
        for case in (on_time, silent, late):
            actions.disposition(case, by=tech, priority="P1", team=team, assignee=tech)
    with time_machine.travel(mt(2026, 11, 24, 9, 10), tick=False):
        actions.add_comment(on_time, by=tech, body="On it")
    with time_machine.travel(mt(2026, 11, 24, 9, 30), tick=False):
        sla_sweeps.sla_alerts(mt(2026, 11, 24, 9, 30))  # the silent case's breach is recorded
    with time_machine.travel(mt(2026, 11, 24, 9, 40), tick=False):
        actions.add_comment(late, by=tech, body="Sorry for the wait")
    with time_machine.travel(mt(2026, 11, 24, 11, 0), tick=False):
        actions.transition(on_time, to="closed", by=tech, resolution="Rebooted the handsets")
    with time_machine.travel(mt(2026, 11, 24, 13, 0), tick=False):
        actions.request_reopen(on_time, by=client, note="They dropped off again")
    upkeep.advance()
    return {"tech": tech, "team": team, "platform": platform, "client": client}


def at_two(fn, f):
    with time_machine.travel(mt(2026, 11, 24, 14, 0), tick=False):
        return fn(f)


def test_sla_attainment_counts_the_breach_never_answered(desk):
    report = at_two(selectors.sla, selectors.Filters(DAY, DAY))
    [row] = report.rows
    assert (row.responses, row.responses_late, row.unanswered) == (3, 2, 1)
    assert row.response_pct == 33.3
    [p1] = report.priorities
    assert (p1.priority, p1.responses, p1.median, p1.p90) == ("P1", 2, 10, 45)


def test_sla_filters_by_platform_and_priority(desk):
    other = PlatformFactory()
    assert (
        at_two(selectors.sla, selectors.Filters(DAY, DAY, platform=desk["platform"].pk)).totals.responses == 3
    )
    assert at_two(selectors.sla, selectors.Filters(DAY, DAY, platform=other.pk)).totals.responses == 0
    assert at_two(selectors.sla, selectors.Filters(DAY, DAY, priority="P2")).totals.responses == 0


def test_volume_counts_the_reopened_case(desk):
    report = at_two(selectors.volume, selectors.Filters(DAY, DAY))
    assert report.rows == [(DAY, 3, 1, 1)]
    assert report.by_platform == [("Hosted voice", 3, 1, 1)]
    assert report.top_organisations == [("Acme Dental", 3, 1, 1)]


def test_backlog_by_status_and_age_and_its_trend(desk):
    report = at_two(selectors.backlog, selectors.Filters(date(2026, 11, 23), DAY))
    assert report.total == 3
    assert report.age_totals == [3, 0, 0, 0, 0]
    statuses = {status: total for status, _, _, total in report.statuses if total}
    assert statuses == {"in_progress": 2, "customer_reopened": 1}
    assert report.trend == [(date(2026, 11, 23), 0), (DAY, 3)]


def test_agents_and_teams(desk):
    people, teams = at_two(selectors.agents, selectors.Filters(DAY, DAY))
    [tess] = [p for p in people if p.name == desk["tech"].display_name]
    assert (tess.handled, tess.replies, tess.first_response_median, tess.open_now) == (1, 2, 10, 3)
    assert tess.resolution_median == 120
    [cloud] = [t for t in teams if t.name == "Cloud"]
    assert (cloud.handled, cloud.replies, cloud.open_now) == (1, 2, 3)


def test_weekly_periods_start_on_monday(desk):
    report = at_two(selectors.sla, selectors.Filters(date(2026, 11, 20), DAY, by="week"))
    assert [r.period for r in report.rows] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert report.rows[1].responses == 3
