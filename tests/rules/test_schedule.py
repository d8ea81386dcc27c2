"""Maintenance recurrences over a whole year, across both daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER, Recurrence

YEAR_START = datetime(2025, 1, 1, tzinfo=DENVER)
YEAR_END = datetime(2026, 1, 1, tzinfo=DENVER)

MONTHLY = Recurrence(schedule.MONTHLY_THIRD_FRIDAY, date(2025, 1, 1), time(22), time(4))
CERTIFICATE = Recurrence(schedule.WEEKLY_FRIDAY, date(2025, 1, 1), time(0), time(1))
PLATFORM = Recurrence(schedule.EVERY_THIRD_TUESDAY, date(2025, 1, 7), time(21), time(23))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monthly_third_friday_over_a_year_crossing_midnight():
    found = schedule.occurrences(MONTHLY, YEAR_START, YEAR_END)
    assert [o.day for o in found] == [
        date(2025, 1, 17), date(2025, 2, 21), date(2025, 3, 21), date(2025, 4, 18),
        date(2025, 5, 16), date(2025, 6, 20), date(2025, 7, 18), date(2025, 8, 15),
        date(2025, 9, 19), date(2025, 10, 17), date(2025, 11, 21), date(2025, 12, 19),
    ]  # fmt: skip
    for occ in found:
        assert occ.start.weekday() == 4 and 15 <= occ.start.day <= 21
        assert (occ.start.hour, occ.end.hour) == (22, 4)
        assert occ.end.date() == occ.start.date() + timedelta(days=1)  # ends on Saturday
        assert occ.duration == timedelta(hours=6)
    # Winter: 22:00 MST is 05:00 UTC; summer: 22:00 MDT is 04:00 UTC.
    assert found[1].start.astimezone(UTC) == utc(2025, 2, 22, 5)
    assert found[2].start.astimezone(UTC) == utc(2025, 3, 22, 4)  # after the March change
    assert found[10].start.astimezone(UTC) == utc(2025, 11, 22, 5)  # after the November change


def test_weekly_certificate_update_keeps_local_midnight_across_both_changes():
    found = schedule.occurrences(CERTIFICATE, YEAR_START, YEAR_END)
    assert len(found) == 52
    assert all(o.start.weekday() == 4 and o.start.time() == time(0) for o in found)
    by_day = {o.day: o.start.astimezone(UTC) for o in found}
    assert by_day[date(2025, 3, 7)] == utc(2025, 3, 7, 7)  # MST
    assert by_day[date(2025, 3, 14)] == utc(2025, 3, 14, 6)  # MDT, after 9 March
    assert by_day[date(2025, 10, 31)] == utc(2025, 10, 31, 6)  # MDT
    assert by_day[date(2025, 11, 7)] == utc(2025, 11, 7, 7)  # MST, after 2 November
    gaps = {b.start.astimezone(UTC) - a.start.astimezone(UTC) for a, b in itertools.pairwise(found)}
    assert gaps == {timedelta(days=7), timedelta(days=7, hours=-1), timedelta(days=7, hours=1)}


def test_platform_update_every_three_weeks_on_tuesday():
    found = schedule.occurrences(PLATFORM, YEAR_START, YEAR_END)
    assert [o.day for o in found][:5] == [
        date(2025, 1, 7), date(2025, 1, 28), date(2025, 2, 18), date(2025, 3, 11), date(2025, 4, 1)
    ]  # fmt: skip
    assert len(found) == 18 and found[-1].day == date(2025, 12, 30)
    assert all((b.day - a.day).days == 21 for a, b in itertools.pairwise(found))
    assert all(o.duration == timedelta(hours=2) and o.start.hour == 21 for o in found)
    march = next(o for o in found if o.day == date(2025, 3, 11))
    assert march.start.astimezone(UTC) == utc(2025, 3, 12, 3)  # 21:00 MDT


@pytest.mark.parametrize(
    ("rec", "day", "start_utc", "end_utc", "hours"),
    [
        # One-off on the spring-forward night: 02:30 does not exist, it becomes 03:30 MDT.
        (Recurrence("", date(2025, 3, 9), time(2, 30), time(4)), date(2025, 3, 9),
         utc(2025, 3, 9, 9, 30), utc(2025, 3, 9, 10), 0.5),
        # Across the autumn change 01:00-03:00 lasts three real hours.
        (Recurrence("", date(2025, 11, 2), time(1), time(3)), date(2025, 11, 2),
         utc(2025, 11, 2, 7), utc(2025, 11, 2, 10), 3),
        # Crossing midnight into the spring-forward night: 22:00 MST to 04:00 MDT is 5 hours.
        (Recurrence("", date(2025, 3, 8), time(22), time(4)), date(2025, 3, 8),
         utc(2025, 3, 9, 5), utc(2025, 3, 9, 10), 5),
        # Crossing midnight into the autumn night: 22:00 MDT to 04:00 MST is 7 hours.
        (Recurrence("", date(2025, 11, 1), time(22), time(4)), date(2025, 11, 1),
         utc(2025, 11, 2, 4), utc(2025, 11, 2, 11), 7),
    ],
)  # fmt: skip
def test_one_off_windows_on_change_nights(rec, day, start_utc, end_utc, hours):
    (occ,) = schedule.occurrences(rec, YEAR_START, YEAR_END)
    assert occ.day == day
    assert occ.start.astimezone(UTC) == start_utc and occ.end.astimezone(UTC) == end_utc
    assert occ.duration == timedelta(hours=hours)


def test_a_window_in_progress_at_the_query_start_is_included():
    # Saturday 02:00 MT is inside Friday's 22:00-04:00 window.
    since = datetime(2025, 1, 18, 2, tzinfo=DENVER)
    found = schedule.occurrences(MONTHLY, since, since + timedelta(hours=1))
    assert [o.day for o in found] == [date(2025, 1, 17)]
    assert schedule.phase(found[0].start, found[0].end, since) == "in_progress"
    assert schedule.next_occurrence(MONTHLY, found[0].end).day == date(2025, 2, 21)


def test_until_stops_the_rule():
    rec = Recurrence(schedule.WEEKLY_FRIDAY, date(2025, 1, 1), time(0), time(1), until=date(2025, 1, 31))
    assert len(schedule.occurrences(rec, YEAR_START, YEAR_END)) == 5


@pytest.mark.parametrize("bad", ["FREQ=SOMETIMES", "FREQ=MINUTELY", "DTSTART=20250101;FREQ=DAILY", "x"])
def test_bad_rules_are_refused(bad):
    with pytest.raises(schedule.ScheduleError):
        schedule.validate_rule(bad)


def test_phases_and_reminders():
    start, end = utc(2025, 1, 1, 5), utc(2025, 1, 1, 11)
    assert [schedule.phase(start, end, t) for t in (utc(2025, 1, 1), start, end)] == [
        "scheduled", "in_progress", "completed"
    ]  # fmt: skip
    assert schedule.reminder_at(start, timedelta(days=7)) == utc(2024, 12, 25, 5)
    assert schedule.reminder_at(start, None) is None
    assert schedule.validate_rule("RRULE:FREQ=WEEKLY;BYDAY=FR") == "FREQ=WEEKLY;BYDAY=FR"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=DENVER)


def test_unscheduled_maintenance_defaults_to_the_next_23_00_outside_business_hours():
    assert schedule.PLAN["unscheduled"].start == time(23)
    assert schedule.PLAN_RULES["unscheduled"][1:] == (time(23), time(5))
    assert schedule.next_quiet_start(local(2025, 3, 10, 9)) == local(2025, 3, 10, 23)
    assert schedule.next_quiet_start(local(2025, 3, 10, 23)) == local(2025, 3, 10, 23)
    assert schedule.next_quiet_start(local(2025, 3, 10, 23, 30)) == local(2025, 3, 11, 23)
    assert schedule.next_quiet_start(local(2025, 3, 11, 2)) == local(2025, 3, 11, 23)
    # 23:00 on the wall clock on the day the clocks go back: 06:00 UTC (MST), not 05:00.
    assert schedule.next_quiet_start(utc(2025, 11, 2, 12)) == utc(2025, 11, 3, 6)


@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [
        (local(2025, 3, 10, 23), local(2025, 3, 11, 5), False),  # the whole quiet night
        (local(2025, 3, 10, 23), local(2025, 3, 11, 1), False),
        (local(2025, 3, 11, 0), local(2025, 3, 11, 0, 30), False),
        (local(2025, 3, 10, 13, 30), local(2025, 3, 10, 15), True),
        (local(2025, 3, 10, 22, 30), local(2025, 3, 10, 23, 30), True),  # its first half hour
        (local(2025, 3, 11, 4), local(2025, 3, 11, 6), True),  # its last hour
        (local(2025, 3, 8, 23), local(2025, 3, 9, 5), False),  # the spring-forward night
        (local(2025, 11, 1, 23), local(2025, 11, 2, 5), False),  # the autumn night, 7 hours
        (local(2025, 3, 10, 23), local(2025, 3, 12, 1), True),  # a whole day in between
    ],
)
def test_business_hours_are_05_00_to_23_00_local_and_any_part_counts(start, end, inside):
    assert schedule.in_business_hours(start, end) is inside


def test_each_kind_of_the_plan_carries_its_impact_and_its_notices():
    plan = schedule.PLAN
    assert plan["monthly"].impact == "maintenance" and plan["monthly"].reminder == timedelta(days=7)
    assert (plan["monthly"].at_start, plan["monthly"].at_completion) == (True, True)
    assert plan["certificate"].impact == "operational" and not plan["certificate"].sends_notices
    platform = plan["platform_update"]
    assert platform.impact == "operational" and platform.reminder == timedelta(hours=24)
    assert (platform.at_once, platform.at_start, platform.at_completion) == (False, False, False)
    unscheduled = plan["unscheduled"]
    assert (unscheduled.at_once, unscheduled.at_start, unscheduled.at_completion) == (True, False, True)
    assert unscheduled.reminder is None and unscheduled.quiet_hours and not plan["monthly"].quiet_hours
    assert plan["one_off"].impact == unscheduled.impact == "maintenance"


def test_recurring_rules_in_short():
    assert schedule.in_short(schedule.WEEKLY_FRIDAY) == "Fridays"
    assert schedule.in_short("FREQ=WEEKLY;BYDAY=MO,TH") == "Mondays and Thursdays"
    assert schedule.in_short(schedule.EVERY_THIRD_TUESDAY) == "every 3 weeks on Tuesday"
    assert schedule.in_short(schedule.MONTHLY_THIRD_FRIDAY) == "the third Friday of every month"
    assert schedule.zone_label(DENVER) == "MT"
