"""Each platform's uptime over the 90 days the status page shows, and a named date on each
day's bar that a keyboard can reach."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from casedesk.rules.schedule import DENVER
from casedesk.status import masters
from casedesk.statuspage.selectors import uptime
from tests.factories import ManagerFactory
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=DENVER)
SINCE = NOW - timedelta(days=90)


def test_uptime_counts_overlapping_outages_once_and_clips_to_the_window():
    assert uptime([], SINCE, NOW) == 100.0
    nine_hours = [(NOW - timedelta(hours=10), NOW - timedelta(hours=1))]
    overlapping = [*nine_hours, (NOW - timedelta(hours=5), NOW - timedelta(hours=2))]
    assert uptime(overlapping, SINCE, NOW) == pytest.approx(100 * (1 - 9 / (90 * 24)))
    before_window = [(SINCE - timedelta(days=2), SINCE + timedelta(hours=9))]
    assert uptime(before_window, SINCE, NOW) == pytest.approx(uptime(nine_hours, SINCE, NOW))


def _outage(platform, impact: str, hours: int) -> None:
    staff = ManagerFactory()
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        master = masters.create_master(
            by=staff,
            title=f"{platform.name} trouble",
            body="Investigating.",
            platforms=[platform],
            impact=impact,
        )
    with time_machine.travel(NOW - timedelta(days=3) + timedelta(hours=hours), tick=False):
        masters.resolve_master(master, by=staff, note="Fixed.")


def test_status_page_shows_uptime_and_labelled_focusable_bars(settings):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    voice, teams = (
        PlatformFactory(name="Hosted Voice", code="voice"),
        PlatformFactory(name="Teams", code="teams"),
    )
    PlatformFactory(name="Webex", code="webex")  # no incident at all
    _outage(voice, "major", 18)  # 18 h of 2,148
    _outage(teams, "degraded", 18)  # slow, not down
    with time_machine.travel(NOW, tick=False):
        page = Client().get("/status/").content.decode()

    def row(code: str) -> str:
        return page.split(f'data-testid="platform-{code}"')[1].split("</tr>")[0]

    assert "99.16% uptime" in row("voice")  # the 90 bars: 89 days and today until noon
    assert "100% uptime" in row("teams") and "100% uptime" in row("webex")
    bars = row("voice")
    assert bars.count('tabindex="0"') == 90
    assert (
        'aria-label="Sun 29 Nov 2026: Major outage"' in bars
        and 'title="Sun 29 Nov 2026: Major outage"' in bars
    )
    assert 'aria-label="Wed 2 Dec 2026: Operational"' in bars
