"""Master cases and maintenance per platform: incidents begun in the range, their time to
resolution, outage and maintenance hours, and uptime per month."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casedesk.reporting import selectors
from casedesk.status.models import Impact, Incident, MaintenanceOccurrence, MaintenanceWindow, PlatformImpact
from tests.factories import PlatformFactory, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def test_incidents_maintenance_and_uptime_per_platform():
    voice = PlatformFactory(name="Hosted voice")
    PlatformFactory(name="SIP trunks")
    # Rows as the status page's history holds them (the master-case actions are tested
    # with their own app).
    incident = Incident.objects.create(
        case=make_case(),
        title="Calls failing",
        started_at=mt(2026, 11, 10, 10),
        resolved_at=mt(2026, 11, 10, 14),
    )
    PlatformImpact.objects.create(incident=incident, platform=voice, impact=Impact.MAJOR, worst=Impact.MAJOR)
    window = MaintenanceWindow.objects.create(
        kind="emergency", title="Core upgrade", description="Upgrade", justification="Security fix",
        first_day=date(2026, 11, 12), start_time=time(1), end_time=time(3),
        created_at=mt(2026, 11, 1, 9), updated_at=mt(2026, 11, 1, 9),
    )  # fmt: skip
    window.platforms.set([voice])
    MaintenanceOccurrence.objects.create(
        window=window, original_start=mt(2026, 11, 12, 1), start=mt(2026, 11, 12, 1), end=mt(2026, 11, 12, 3)
    )
    with time_machine.travel(mt(2026, 12, 1, 9), tick=False):
        health = {
            h.name: h for h in selectors.incidents(selectors.Filters(date(2026, 11, 1), date(2026, 11, 30)))
        }
    hv = health["Hosted voice"]
    assert (hv.incidents, hv.resolution_hours, hv.outage_hours, hv.maintenance_hours) == (1, 4.0, 4.0, 2.0)
    assert hv.months == [("2026-11", round(100 * (1 - 4 / 720), 3))]
    assert health["SIP trunks"].months == [("2026-11", 100.0)] and health["SIP trunks"].incidents == 0
