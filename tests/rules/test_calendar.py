"""Business calendars: the plan's examples, DST, holidays, odd spans, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.rules.calendar import (
    DENVER,
    BusinessCalendar,
    Span,
    Weekday,
    chat,
    default_calendars,
    extended,
    parse_clock,
    public_holidays,
    standard,
    twenty_four_seven,
    us_federal_holidays,
    weekly,
)

MT = DENVER
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)

STANDARD = standard()
EXTENDED = extended()
CHAT = chat()
ALWAYS = twenty_four_seven()
# A night shift on Friday (the monthly maintenance window), crossing midnight.
NIGHTS = BusinessCalendar("nights", MT, weekly([Weekday.FRI], "22:00-04:00"), holidays={date(2026, 12, 25)})


def mt(y: int, mo: int, d: int, h: int = 0, mi: int = 0, *, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MT, fold=fold)


def same(a: datetime, b: datetime) -> bool:
    """Same instant; comparing within one zone would use the wall clock, not the instant."""
    return a.astimezone(UTC) == b.astimezone(UTC)


# -- the plan's examples ---------------------------------------------------------------------

PLAN_EXAMPLES = [
    # (calendar, start, duration, due, why)
    (STANDARD, mt(2027, 1, 15, 16, 55), 9 * H, mt(2027, 1, 19, 16, 55), "P4 Friday 16:55 before MLK Day"),
    (STANDARD, mt(2027, 1, 9, 10), 9 * H, mt(2027, 1, 11, 17), "P4 opened on a Saturday"),
    (STANDARD, mt(2027, 1, 10, 23, 59), 9 * H, mt(2027, 1, 11, 17), "P4 opened late on a Sunday"),
    (STANDARD, mt(2026, 5, 22, 16), 4 * H, mt(2026, 5, 26, 11), "P3 over Memorial Day weekend"),
    (STANDARD, mt(2026, 12, 24, 15), 4 * H, mt(2026, 12, 28, 10), "P3 over Christmas (Friday)"),
    # March 2026: clocks go forward on Sunday the 8th; Monday opens at 08:00 MDT.
    (STANDARD, mt(2026, 3, 6, 15), 4 * H, mt(2026, 3, 9, 10), "P3 across the March 2026 jump"),
    # November 2026: clocks go back on Sunday the 1st; Monday opens at 08:00 MST.
    (STANDARD, mt(2026, 10, 30, 14, 30), 4 * H, mt(2026, 11, 2, 9, 30), "P3 across November 2026"),
    (STANDARD, mt(2027, 3, 12, 16), 4 * H, mt(2027, 3, 15, 11), "P3 across the March 2027 jump"),
    (STANDARD, mt(2027, 11, 5, 16, 30), 4 * H, mt(2027, 11, 8, 11, 30), "P3 across November 2027"),
    (STANDARD, mt(2027, 11, 5, 13), 4 * H, mt(2027, 11, 5, 17), "lands on the close: that close"),
    (ALWAYS, mt(2026, 3, 15, 3), 15 * M, mt(2026, 3, 15, 3, 15), "P1 at 03:00 on a Sunday"),
    (ALWAYS, mt(2026, 3, 8, 1, 50), 15 * M, mt(2026, 3, 8, 3, 5), "P1 across the March jump"),
    (ALWAYS, mt(2026, 11, 1, 1, 50), 15 * M, mt(2026, 11, 1, 1, 5, fold=1), "P1 into the repeated hour"),
    (ALWAYS, mt(2026, 12, 25, 12), 30 * M, mt(2026, 12, 25, 12, 30), "24x7 ignores holidays"),
    (EXTENDED, mt(2026, 6, 12, 18), 12 * H, mt(2026, 6, 15, 18), "MACD Friday 18:00 + 1 business day"),
    (CHAT, mt(2026, 6, 15, 23), 2 * H, mt(2026, 6, 16, 6), "chat 05:00-24:00 runs to midnight"),
    (CHAT, mt(2026, 6, 12, 23, 30), 1 * H, mt(2026, 6, 13, 8, 30), "chat Friday night into Saturday"),
    (NIGHTS, mt(2026, 6, 12, 23), 2 * H, mt(2026, 6, 13, 1), "a span crossing midnight"),
    (NIGHTS, mt(2026, 6, 13, 3), 2 * H, mt(2026, 6, 19, 23), "the rest waits for next Friday"),
    (NIGHTS, mt(2026, 12, 25, 21), 1 * H, mt(2027, 1, 1, 23), "a holiday Friday keeps its night closed"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due"),
    [example[:4] for example in PLAN_EXAMPLES],
    ids=[example[4] for example in PLAN_EXAMPLES],
)
def test_add_plan_examples(calendar, start, duration, due):
    result = calendar.add(start, duration)
    assert same(result, due), f"{result} != {due}"
    assert calendar.measure(start, result) == duration


def test_result_keeps_the_callers_zone():
    start = mt(2026, 3, 6, 15).astimezone(UTC)
    result = STANDARD.add(start, 4 * H)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 9, 16, tzinfo=UTC)  # 10:00 MDT


def test_p4_business_days():
    assert STANDARD.business_day == 9 * H
    assert EXTENDED.business_day == 12 * H
    assert CHAT.business_day == 19 * H
    assert ALWAYS.business_day == 24 * H
    assert same(STANDARD.add_business_days(mt(2027, 1, 15, 16, 55), 1), mt(2027, 1, 19, 16, 55))
    assert same(STANDARD.add_business_days(mt(2027, 1, 11, 10), 2), mt(2027, 1, 13, 10))


def test_thirty_business_days_skip_weekends_and_presidents_day():
    # Jan 19-22 (4), 25-29 (9), Feb 1-5 (14), 8-12 (19), 16-19 (23, the 15th is a
    # holiday), 22-26 (28), Mar 1 (29), Mar 2 (30).
    due = STANDARD.add_business_days(mt(2027, 1, 15, 16, 55), 30)
    assert same(due, mt(2027, 3, 2, 16, 55))


def test_day_length_override():
    calendar = BusinessCalendar("custom", MT, weekly(Weekday, "08:00-17:00"), day_length=8 * H)
    assert calendar.business_day == 8 * H


# -- DST on the wall clock ---------------------------------------------------------------------


def test_span_opens_at_local_time_on_dst_days():
    # Chat is open 08:00-17:00 on Sundays: on both change days it opens at local 08:00.
    assert same(CHAT.next_open(mt(2026, 3, 8, 1)), mt(2026, 3, 8, 8))
    assert same(CHAT.next_open(mt(2026, 11, 1, 1, 30, fold=1)), mt(2026, 11, 1, 8))
    assert CHAT.measure(mt(2026, 3, 8), mt(2026, 3, 9)) == 9 * H


def test_spans_across_the_dst_hour_count_real_time():
    whole_days = BusinessCalendar("all day", MT, weekly(Weekday, "00:00-24:00"))
    assert whole_days.measure(mt(2026, 3, 8), mt(2026, 3, 9)) == 23 * H
    assert whole_days.measure(mt(2026, 11, 1), mt(2026, 11, 2)) == 25 * H
    assert same(whole_days.add(mt(2026, 3, 8, 1), 2 * H), mt(2026, 3, 8, 4))
    assert ALWAYS.measure(mt(2026, 3, 8, 1, 50), mt(2026, 3, 8, 3, 5)) == 15 * M


# -- opening, closing, measuring ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "is_open", "next_open"),
    [
        (mt(2027, 1, 11, 8), True, mt(2027, 1, 11, 8)),
        (mt(2027, 1, 11, 16, 59), True, mt(2027, 1, 11, 16, 59)),
        (mt(2027, 1, 11, 17), False, mt(2027, 1, 12, 8)),
        (mt(2027, 1, 15, 17), False, mt(2027, 1, 19, 8)),
        (mt(2027, 1, 18, 12), False, mt(2027, 1, 19, 8)),
        (mt(2027, 1, 9, 12), False, mt(2027, 1, 11, 8)),
    ],
)
def test_is_open_and_next_open(instant, is_open, next_open):
    assert STANDARD.is_open(instant) is is_open
    assert same(STANDARD.next_open(instant), next_open)


def test_zero_duration_is_now_when_open_else_the_next_opening():
    assert same(STANDARD.add(mt(2027, 1, 11, 10), timedelta(0)), mt(2027, 1, 11, 10))
    assert same(STANDARD.add(mt(2027, 1, 16, 10), timedelta(0)), mt(2027, 1, 19, 8))
    assert same(ALWAYS.add(mt(2027, 1, 16, 10), timedelta(0)), mt(2027, 1, 16, 10))


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        (STANDARD, mt(2027, 1, 15, 16), mt(2027, 1, 19, 9), 2 * H),
        (STANDARD, mt(2027, 1, 16), mt(2027, 1, 17), timedelta(0)),
        (STANDARD, mt(2027, 1, 12), mt(2027, 1, 11), timedelta(0)),
        (STANDARD, mt(2027, 1, 11), mt(2027, 1, 25), 9 * 9 * H),
        (NIGHTS, mt(2026, 6, 12, 21), mt(2026, 6, 13, 5), 6 * H),
        (CHAT, mt(2026, 6, 13), mt(2026, 6, 15, 6), 9 * H + 9 * H + H),  # Sat, Sun, Mon from 05:00
        (ALWAYS, mt(2026, 6, 13), mt(2026, 6, 15), 48 * H),
    ],
)
def test_measure(calendar, start, end, expected):
    assert calendar.measure(start, end) == expected


def test_long_holiday_runs_are_skipped():
    closed = {date(2026, 1, 1) + timedelta(days=i) for i in range(3 * 365)}
    calendar = BusinessCalendar("shut", MT, weekly(Weekday, "09:00-10:00"), holidays=closed)
    due = calendar.add(mt(2026, 1, 1, 12), 90 * M)
    assert same(due, mt(2029, 1, 1, 9, 30))
    reopening = max(closed) + timedelta(days=1)
    assert same(calendar.next_open(mt(2026, 1, 1)), datetime.combine(reopening, time(9), tzinfo=MT))


def test_backwards_in_time_extends_the_timeline():
    calendar = standard()
    assert same(calendar.add(mt(2030, 1, 2, 9), H), mt(2030, 1, 2, 10))
    assert same(calendar.add(mt(2021, 1, 4, 9), H), mt(2021, 1, 4, 10))
    assert calendar.measure(mt(2021, 1, 4, 9), mt(2030, 1, 2, 9)) > timedelta(days=800)


def test_touching_spans_merge_into_one_open_stretch():
    calendar = BusinessCalendar("split", MT, weekly(Weekday, "08:00-12:00") + weekly(Weekday, "12:00-17:00"))
    assert calendar.is_open(mt(2027, 1, 11, 12))
    assert same(calendar.add(mt(2027, 1, 11, 8), 4 * H), mt(2027, 1, 11, 12))
    assert calendar.business_day == 9 * H


# -- construction and refusals --------------------------------------------------------------------


def test_span_parsing():
    assert parse_clock("24:00") == time(0)
    assert parse_clock("7:30") == time(7, 30)
    (span,) = weekly([Weekday.MON], "05:00-24:00")
    assert span == Span(Weekday.MON, time(5), time(0))
    assert span.crosses_midnight
    assert span.nominal_length == 19 * H
    assert Span(Weekday.FRI, time(22), time(4)).nominal_length == 6 * H
    assert Span(Weekday.SUN, time(0), time(0)).nominal_length == 24 * H
    with pytest.raises(ValueError, match="08:00-17:00"):
        weekly([Weekday.MON], "08:00")


def test_refusals():
    with pytest.raises(ValueError, match="aware"):
        STANDARD.add(datetime(2027, 1, 11, 9), H)
    with pytest.raises(ValueError, match="aware"):
        ALWAYS.measure(datetime(2027, 1, 11, 9), mt(2027, 1, 11, 10))
    with pytest.raises(ValueError, match="backwards"):
        STANDARD.add(mt(2027, 1, 11, 9), -H)
    with pytest.raises(ValueError, match="never open"):
        BusinessCalendar("empty", MT)
    with pytest.raises(ValueError, match="longer than zero"):
        BusinessCalendar("zero", MT, always_open=True, day_length=timedelta(0))


def test_a_calendar_that_never_reopens_is_refused():
    # Only Mondays open, and every Monday for the next century and a half is a holiday.
    mondays = {date(2026, 1, 5) + timedelta(weeks=i) for i in range(150 * 53)}
    calendar = BusinessCalendar("never", MT, weekly([Weekday.MON], "09:00-17:00"), holidays=mondays)
    with pytest.raises(ValueError, match="does not open again"):
        calendar.add(mt(2026, 1, 5, 10), H)


def test_holidays_from_the_package_and_the_provider():
    federal = us_federal_holidays(range(2027, 2028))
    assert date(2027, 1, 18) in federal  # MLK Day
    assert date(2027, 7, 5) in federal  # Independence Day, observed
    assert date(2027, 3, 31) not in federal
    colorado = public_holidays("US", [2027], subdiv="CO")
    assert date(2027, 3, 31) in colorado  # Cesar Chavez Day
    provider = public_holidays("US", [2027], extra=[date(2027, 11, 26)], removed=[date(2027, 10, 11)])
    assert date(2027, 11, 26) in provider
    assert date(2027, 10, 11) not in provider
    assert date(2027, 1, 18) in STANDARD.holidays


def test_default_calendars_share_the_holidays():
    calendars = default_calendars()
    assert set(calendars) == {"24x7", "standard", "extended", "chat"}
    assert calendars["standard"].holidays == calendars["extended"].holidays
    assert calendars["24x7"].always_open
    assert calendars["standard"] == STANDARD


def test_other_zones():
    london = standard(ZoneInfo("Europe/London"), holidays=[])
    # The UK goes forward on 2026-03-29, three weeks after the US.
    assert same(
        london.add(datetime(2026, 3, 27, 16, tzinfo=london.tz), 2 * H),
        datetime(2026, 3, 30, 9, tzinfo=london.tz),
    )


# -- properties -------------------------------------------------------------------------------------

CALENDARS = [STANDARD, EXTENDED, CHAT, NIGHTS, ALWAYS]

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=3 * 24 * 3600).map(lambda s: timedelta(seconds=s))
calendars = st.sampled_from(CALENDARS)
PROPERTY = settings(max_examples=200, deadline=None)


def reference_measure(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Span by span, straight from the definition; no timeline, no shortcuts."""
    if calendar.always_open:
        return max(b - a, timedelta(0))
    total = timedelta(0)
    day = a.astimezone(calendar.tz).date() - timedelta(days=2)
    while day <= b.astimezone(calendar.tz).date():
        if day not in calendar.holidays:
            for span in calendar.spans:
                if span.weekday != day.weekday():
                    continue
                close_day = day + timedelta(days=1) if span.crosses_midnight else day
                opens = datetime.combine(day, span.opens, tzinfo=calendar.tz).astimezone(UTC)
                closes = datetime.combine(close_day, span.closes, tzinfo=calendar.tz).astimezone(UTC)
                overlap = min(closes, b) - max(opens, a)
                total += max(overlap, timedelta(0))
        day += timedelta(days=1)
    return total


@PROPERTY
@given(calendars, starts, durations)
def test_measure_undoes_add(calendar, start, duration):
    assert calendar.measure(start, calendar.add(start, duration)) == duration


@PROPERTY
@given(calendars, starts, starts)
def test_measure_matches_the_definition(calendar, a, b):
    b = a + (b - a) % timedelta(days=20)
    assert calendar.measure(a, b) == reference_measure(calendar, a, b)


@PROPERTY
@given(calendars, starts, durations, durations)
def test_add_is_monotonic_in_duration(calendar, start, d1, d2):
    d1, d2 = sorted((d1, d2))
    assert calendar.add(start, d1) <= calendar.add(start, d2)


@PROPERTY
@given(calendars, starts, starts, durations)
def test_add_is_monotonic_in_start(calendar, s1, s2, duration):
    s1, s2 = sorted((s1, s2))
    assert calendar.add(s1, duration) <= calendar.add(s2, duration)


@PROPERTY
@given(calendars, starts, durations)
def test_add_lands_in_opening_hours(calendar, start, duration):
    result = calendar.add(start, duration)
    assert result >= start
    at_a_close = not calendar.is_open(result) and calendar.measure(result - US, result) == US
    assert calendar.is_open(result) or at_a_close


@PROPERTY
@given(calendars, starts, starts, starts)
def test_measure_is_additive(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert calendar.measure(a, c) == calendar.measure(a, b) + calendar.measure(b, c)


@PROPERTY
@given(calendars, starts)
def test_next_open_is_open_and_nothing_before_it_is(calendar, instant):
    opening = calendar.next_open(instant)
    assert calendar.is_open(opening)
    assert calendar.measure(instant, opening) == timedelta(0)
