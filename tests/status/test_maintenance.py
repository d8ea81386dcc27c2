"""Maintenance windows: occurrences kept ahead, notices at the right times to the right
people, the platform under maintenance during the window, and the iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.test import Client
from icalendar import Calendar

from casedesk.core import clock
from casedesk.outbox.models import OutboundMessage
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status import maintenance
from casedesk.status.models import MaintenanceKind, MaintenanceOccurrence, OccurrenceState
from tests.factories import StaffFactory
from tests.status.helpers import PlatformFactory, monthly, org_with, sent_to

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=DENVER)


def sweep() -> dict:
    return maintenance.advance_maintenance(clock.now())


def test_monthly_window_notices_and_states_through_one_occurrence():
    voice, other = PlatformFactory(name="Hosted Voice"), PlatformFactory(name="Teams")
    _, wanted = org_with(voice, is_maintenance_contact=True)
    org_with(voice, is_maintenance_contact=False)  # not a maintenance contact
    org_with(other, is_maintenance_contact=True)  # no affected product
    client = Client()
    with time_machine.travel(at(2025, 3, 10, 9), tick=False):
        window = monthly([voice], by=StaffFactory())
        days = sorted(o.start.astimezone(DENVER).date() for o in window.occurrences.all())
        assert days == [date(2025, 3, 21), date(2025, 4, 18)]  # 60 days ahead
        assert sweep()["reminded"] == 0
    with time_machine.travel(at(2025, 3, 14, 22, 5), tick=False):
        assert sweep()["reminded"] == 1
        assert sweep()["reminded"] == 0  # once
        assert sent_to("maintenance_reminder") == [wanted.email]
        body = OutboundMessage.objects.get(kind="maintenance_reminder").text
        assert "Fri 21 Mar 2025, 22:00 MDT to Sat 22 Mar 2025, 04:00 MDT" in body
        assert "Security fixes from the vendor." in body and "Hosted Voice" in body
        page = client.get("/status/").content.decode()
        assert "Monthly scheduled maintenance" in page and "&lt;b&gt;OS&lt;/b&gt;" in page  # escaped
    with time_machine.travel(at(2025, 3, 21, 22, 1), tick=False):
        assert sweep()["started"] == 1
        assert sent_to("maintenance_started") == [wanted.email]
        row = client.get("/status/summary.json").json()
        assert {p["code"]: p["status"] for p in row["platforms"]} == {
            voice.code: "maintenance",
            other.code: "operational",
        }
        assert [m["title"] for m in row["maintenance"]["in_progress"]] == ["Monthly scheduled maintenance"]
    with time_machine.travel(at(2025, 3, 22, 4, 1), tick=False):
        assert sweep()["completed"] == 1
        assert sweep() == {"created": 0, "reminded": 0, "started": 0, "completed": 0}
        assert sent_to("maintenance_completed") == [wanted.email]
        assert {p["status"] for p in client.get("/status/summary.json").json()["platforms"]} == {
            "operational"
        }
    first = MaintenanceOccurrence.objects.order_by("start").first()
    assert first.state == OccurrenceState.COMPLETED


def test_platform_updates_remind_a_day_ahead_and_certificates_send_nothing():
    voice = PlatformFactory()
    _, contact = org_with(voice, is_maintenance_contact=True)
    with time_machine.travel(at(2025, 1, 6, 12), tick=False):
        maintenance.create_window(
            by=None, kind=MaintenanceKind.PLATFORM_UPDATE, title="Platform update", platforms=[voice],
            description="Sprint release.", justification="New features.", impact="operational",
            rrule=schedule.EVERY_THIRD_TUESDAY, first_day=date(2025, 1, 7),
            start_time=time(21), end_time=time(23),
        )  # fmt: skip
        maintenance.create_window(
            by=None, kind=MaintenanceKind.CERTIFICATE, title="Certificate update", platforms=[voice],
            description="Certificates renewed.", justification="Expiry.", impact="operational",
            rrule=schedule.WEEKLY_FRIDAY, first_day=date(2025, 1, 3),
            start_time=time(0), end_time=time(0, 30),
        )  # fmt: skip
        assert sweep()["reminded"] == 0  # Tuesday 21:00 is more than 24 hours away
    with time_machine.travel(at(2025, 1, 6, 21, 1), tick=False):
        assert sweep()["reminded"] == 1
    with time_machine.travel(at(2025, 1, 10, 0, 5), tick=False):
        sweep()
        cert = MaintenanceOccurrence.objects.get(window__kind="certificate", start__date=date(2025, 1, 10))
        assert cert.state == OccurrenceState.IN_PROGRESS
        # No impact: the platform stays operational and nobody is mailed.
        assert Client().get("/status/summary.json").json()["platforms"][0]["status"] == "operational"
    assert not OutboundMessage.objects.filter(subject__contains="Certificate").exists()
    assert sent_to("maintenance_reminder") == [contact.email]


def test_unscheduled_announced_at_once_and_cancel_reschedule_follow_up_are_announced():
    voice = PlatformFactory()
    _, contact = org_with(voice, is_maintenance_contact=True)
    with time_machine.travel(at(2025, 6, 2, 14), tick=False):
        maintenance.create_window(
            by=StaffFactory(), kind=MaintenanceKind.UNSCHEDULED, title="Emergency router swap",
            platforms=[voice],
            description="Failing line card.", justification="Hardware fault.", impact="partial",
            first_day=date(2025, 6, 2), start_time=time(13, 30), end_time=time(15),
            business_hours_reason="calls are dropping now",
        )  # fmt: skip
        assert sent_to("maintenance_announced") == [contact.email]
        occ = MaintenanceOccurrence.objects.get(window__title="Emergency router swap")
        assert occ.state == OccurrenceState.IN_PROGRESS  # entered after it began
        assert Client().get("/status/summary.json").json()["platforms"][0]["status"] == "partial"
        window = monthly([voice])
        june, july = window.occurrences.order_by("start")[:2]
        maintenance.cancel_occurrence(june, by=None)
        maintenance.reschedule(
            july, by=None, start=july.start + timedelta(days=1), end=july.end + timedelta(days=1)
        )
        maintenance.add_follow_up(occ, by=None, text="Replaced line card 3; firmware 17.3 installed.")
    kinds = set(OutboundMessage.objects.values_list("kind", flat=True))
    assert {"maintenance_cancelled", "maintenance_rescheduled", "maintenance_follow_up"} <= kinds
    with time_machine.travel(at(2025, 6, 2, 15, 1), tick=False):
        assert sweep()["completed"] == 1
        assert sweep()["started"] == 0


def test_icalendar_feed_parses_back_field_by_field():
    voice = PlatformFactory(name="Hosted Voice", code="voice")
    with time_machine.travel(at(2025, 3, 1, 9), tick=False):
        window = monthly([voice])
        one_off = maintenance.create_window(
            by=None, kind=MaintenanceKind.ONE_OFF, title="Carrier cut-over", platforms=[voice],
            description="Move trunks.", justification="New carrier.", expected_impact="None expected",
            first_day=date(2025, 4, 5), start_time=time(23), end_time=time(1),
        )  # fmt: skip
        march, april = window.occurrences.order_by("start")[:2]
        maintenance.cancel_occurrence(march, by=None)
        maintenance.reschedule(
            april, by=None, start=april.start + timedelta(hours=1), end=april.end + timedelta(hours=1)
        )
        maintenance.cancel_window(one_off, by=None)
        response = Client().get("/status/maintenance.ics")
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0" and "network status" in str(cal["PRODID"]).lower()
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Denver"]
    events = cal.walk("VEVENT")
    window.refresh_from_db()
    uid = f"maintenance-{window.uid}@example.com"
    series = [e for e in events if str(e["UID"]) == uid]
    master = next(e for e in series if "RECURRENCE-ID" not in e)
    assert str(master["SUMMARY"]) == "Monthly scheduled maintenance"
    start = master.decoded("DTSTART")
    assert start == datetime(2025, 1, 17, 22, tzinfo=DENVER) and str(start.tzinfo) == "America/Denver"
    assert master.decoded("DTEND") == datetime(2025, 1, 18, 4, tzinfo=DENVER)
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=+3FR"
    assert int(master["SEQUENCE"]) == window.sequence == 2  # raised on each change
    assert str(master["STATUS"]) == "CONFIRMED"
    assert "Security fixes from the vendor." in str(master["DESCRIPTION"])
    assert "Hosted Voice" in str(master["LOCATION"])
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    assert rule.after(datetime(2025, 3, 1, tzinfo=DENVER)) == datetime(2025, 3, 21, 22, tzinfo=DENVER)
    overrides = {e.decoded("RECURRENCE-ID"): e for e in series if "RECURRENCE-ID" in e}
    cancelled = overrides[datetime(2025, 3, 21, 22, tzinfo=DENVER)]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    moved = overrides[datetime(2025, 4, 18, 22, tzinfo=DENVER)]
    assert moved.decoded("DTSTART") == datetime(2025, 4, 18, 23, tzinfo=DENVER)
    assert str(moved["STATUS"]) == "CONFIRMED" and int(moved["SEQUENCE"]) == 2
    single = next(e for e in events if str(e["UID"]) == f"maintenance-{one_off.uid}@example.com")
    assert str(single["STATUS"]) == "CANCELLED" and "RRULE" not in single and int(single["SEQUENCE"]) == 1
    assert single.decoded("DTSTART").astimezone(UTC) == datetime(2025, 4, 6, 5, tzinfo=UTC)
    # The same window keeps its UID whatever changed; the platform calendar has only its own.
    assert Calendar.from_ical(Client().get("/status/platforms/voice/maintenance.ics").content).walk("VEVENT")
    assert Client().get("/status/platforms/nope/maintenance.ics").status_code == 404
