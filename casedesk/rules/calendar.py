"""Business calendars: when support counts time toward a clock (Client Support Plan §3, §7).

Pure Python: no Django. A calendar is weekly opening spans in a local time zone, minus
holidays, or a 24x7 clock. Durations are elapsed (real) time inside the open spans, so a
15-minute target is 15 real minutes even on the night the local clocks jump, while a span
08:00-17:00 still opens when the local clock reads 08:00.

The arithmetic works on a timeline of open intervals in UTC microseconds with running
totals, built lazily for a range of dates and grown when an instant falls outside it.
`add` and `measure` are then a couple of binary searches, whatever the duration, and a
long run of holidays costs nothing at query time.
"""

from __future__ import annotations

import enum
import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

DENVER = ZoneInfo("America/Denver")

# Keys under which the plan's default calendars are known to SLA targets (sla.py).
TWENTY_FOUR_SEVEN = "24x7"
STANDARD = "standard"
EXTENDED = "extended"
CHAT = "chat"

# Holiday tables are data for a finite range of years; outside it no holiday is known.
# The range covers every case the desk can plausibly hold, and is cheap to build once.
DEFAULT_HOLIDAY_YEARS = range(2020, 2051)


class Weekday(enum.IntEnum):
    """Monday is 0, as `date.weekday()` counts."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
WEEKEND = (Weekday.SAT, Weekday.SUN)
EVERY_DAY = tuple(Weekday)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_TWO_DAYS = timedelta(days=2)
_MIDNIGHT = time(0)
# The timeline grows by at least this many days at a time, so a stream of queries that
# walks forward day by day rebuilds it rarely.
_MIN_GROW = timedelta(days=366)
# A calendar whose next opening is further away than this is taken to be broken rather
# than searched for ever (e.g. every weekday of the year listed as a holiday).
_HORIZON = timedelta(days=100 * 366)


@dataclass(frozen=True, order=True)
class Span:
    """One weekly opening, from `opens` on `weekday` until `closes` local time.

    A `closes` at or before `opens` falls on the next day: 22:00-04:00 crosses midnight,
    05:00-00:00 is 05:00-24:00 and 00:00-00:00 is the whole day. The span belongs to the
    day it opens, which is the day a holiday must fall on to keep it closed.
    """

    weekday: Weekday
    opens: time
    closes: time

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekday", Weekday(self.weekday))
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("Span times are local wall-clock times of the calendar's zone.")

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens

    @property
    def nominal_length(self) -> timedelta:
        """Wall-clock length, as the plan states hours; a DST night may make it an hour off."""
        opens = datetime.combine(date.min, self.opens)
        closes = datetime.combine(date.min + _ONE_DAY if self.crosses_midnight else date.min, self.closes)
        return closes - opens


def parse_clock(text: str) -> time:
    """'08:00' -> 08:00; '24:00' is accepted as midnight at the end of the day."""
    hours, _, minutes = text.strip().partition(":")
    h, m = int(hours), int(minutes or 0)
    if (h, m) == (24, 0):
        return _MIDNIGHT
    return time(h, m)


def weekly(days: Iterable[int], hours: str) -> tuple[Span, ...]:
    """Spans for `hours` ('08:00-17:00', '05:00-24:00', '22:00-04:00') on each of `days`."""
    opens_text, sep, closes_text = hours.partition("-")
    if not sep:
        raise ValueError(f"Opening hours look like '08:00-17:00', not {hours!r}.")
    opens, closes = parse_clock(opens_text), parse_clock(closes_text)
    return tuple(Span(Weekday(day), opens, closes) for day in days)


@functools.lru_cache(maxsize=32)
def _package_holidays(country: str, subdiv: str | None, years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(holidays_package.country_holidays(country, subdiv=subdiv, years=years))


def public_holidays(
    country: str,
    years: Iterable[int] = DEFAULT_HOLIDAY_YEARS,
    *,
    subdiv: str | None = None,
    extra: Iterable[date] = (),
    removed: Iterable[date] = (),
) -> frozenset[date]:
    """A country's (or state's, via `subdiv`) public holidays, with the provider's own days.

    Observed days are included: when a holiday falls on a weekend the office closes on
    the observed weekday. `extra` adds the provider's own closures (e.g. the day after
    Thanksgiving); `removed` drops days the provider works although they are holidays.
    """
    dates = _package_holidays(country, subdiv, tuple(sorted(set(years))))
    return (dates | frozenset(extra)) - frozenset(removed)


def us_federal_holidays(years: Iterable[int] = DEFAULT_HOLIDAY_YEARS) -> frozenset[date]:
    """US federal holidays, the default closures of the plan's business calendars."""
    return public_holidays("US", years)


@dataclass(frozen=True)
class _Timeline:
    """Merged open intervals (UTC microseconds) for spans opening on dates [first, last).

    `cum_start[i]` is the business time before interval i, `cum_end[i]` the business time
    up to its end; both count from the first interval, so only differences mean anything.
    Answers are exact for instants in [lo_us, hi_us): earlier spans could still reach in
    (a span opening the day before `first` may run up to 25 hours) and later dates are
    not built.
    """

    first: date
    last: date
    lo_us: int
    hi_us: int
    starts: list[int]
    ends: list[int]
    cum_start: list[int]
    cum_end: list[int]

    def business_before(self, t: int) -> int:
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum_start[i] + ((end if t >= end else t) - self.starts[i])


class _Cache:
    """Mutable memo of a frozen calendar; replaced whole, so a reader sees one timeline."""

    def __init__(self) -> None:
        self.timeline: _Timeline | None = None


def _to_us(instant: datetime) -> int:
    try:
        return (instant - _EPOCH) // _US
    except TypeError:
        raise ValueError(f"Calendar arithmetic needs an aware datetime, not {instant!r}.") from None


def _from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in a time zone, minus holidays; or 24x7 when `always_open`.

    `day_length` overrides the length of a business day, which otherwise is the longest
    day of the week's nominal opening hours (9 hours for Mon-Fri 08:00-17:00).
    Holidays close the spans that open on them; a 24x7 calendar has none, since the plan
    staffs it every day of the year.
    """

    name: str
    tz: ZoneInfo
    spans: tuple[Span, ...] = ()
    holidays: frozenset[date] = field(default=frozenset(), repr=False)
    always_open: bool = False
    day_length: timedelta | None = None
    _cache: _Cache = field(default_factory=_Cache, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", tuple(sorted(self.spans)))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.always_open and not any(s.nominal_length > timedelta(0) for s in self.spans):
            raise ValueError(f"Calendar {self.name!r} is never open: give it opening spans or make it 24x7.")
        if self.day_length is not None and self.day_length <= timedelta(0):
            raise ValueError("A business day must be longer than zero.")

    # -- lengths -------------------------------------------------------------------------

    @functools.cached_property
    def business_day(self) -> timedelta:
        """What 'one business day' means on this calendar (plan §3: 9h standard, 12h extended)."""
        if self.day_length is not None:
            return self.day_length
        if self.always_open:
            return _ONE_DAY
        per_day = [timedelta(0)] * 7
        for span in self.spans:
            per_day[span.weekday] += span.nominal_length
        return max(per_day)

    # -- queries -------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of business time after `start`, in `start`'s time zone.

        The result is inside opening hours: when the duration runs out exactly as a span
        closes, that closing instant is the answer, not the next opening. A zero duration
        from a closed instant gives the next opening, the first moment anyone can act.
        """
        if duration < timedelta(0):
            raise ValueError("Business time cannot run backwards.")
        s = _to_us(start)
        if self.always_open:
            # Aware arithmetic in one zone is wall-clock arithmetic; go through UTC so
            # the duration is elapsed time across a DST change.
            return _from_us(s + duration // _US).astimezone(start.tzinfo)
        amount = duration // _US
        timeline = self._covering(s, s)
        if amount == 0:
            return self._next_open_us(s, timeline, start)
        while True:
            target = timeline.business_before(s) + amount
            i = bisect_left(timeline.cum_end, target)
            if i < len(timeline.cum_end):
                result = timeline.starts[i] + (target - timeline.cum_start[i])
                return _from_us(result).astimezone(start.tzinfo)
            timeline = self._grow_forward(timeline, s)

    def add_business_days(self, start: datetime, days: float) -> datetime:
        """Plan §3: 'N business days' is N times this calendar's business day."""
        return self.add(start, self.business_day * days)

    def measure(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end`; zero when `end` is not after `start`."""
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return timedelta(0)
        if self.always_open:
            return timedelta(microseconds=b - a)
        timeline = self._covering(a, b)
        return timedelta(microseconds=timeline.business_before(b) - timeline.business_before(a))

    def is_open(self, instant: datetime) -> bool:
        """Open spans include their opening instant and exclude their closing one."""
        t = _to_us(instant)
        if self.always_open:
            return True
        timeline = self._covering(t, t)
        i = bisect_right(timeline.starts, t) - 1
        return i >= 0 and t < timeline.ends[i]

    def next_open(self, instant: datetime) -> datetime:
        """`instant` itself when open, else the next opening, in `instant`'s time zone."""
        t = _to_us(instant)
        if self.always_open:
            return instant
        return self._next_open_us(t, self._covering(t, t), instant)

    # -- timeline ------------------------------------------------------------------------

    def _next_open_us(self, t: int, timeline: _Timeline, like: datetime) -> datetime:
        while True:
            i = bisect_right(timeline.starts, t) - 1
            if i >= 0 and t < timeline.ends[i]:
                return like
            if i + 1 < len(timeline.starts):
                return _from_us(timeline.starts[i + 1]).astimezone(like.tzinfo)
            timeline = self._grow_forward(timeline, t)

    def _local_date(self, t: int) -> date:
        return _from_us(t).astimezone(self.tz).date()

    def _covering(self, lo: int, hi: int) -> _Timeline:
        timeline = self._cache.timeline
        if timeline is not None and timeline.lo_us <= lo and hi < timeline.hi_us:
            return timeline
        first = self._local_date(lo) - _TWO_DAYS
        last = self._local_date(hi) + _ONE_DAY
        if timeline is None:
            first, last = first - _MIN_GROW, last + _MIN_GROW
        else:
            grow = max(_MIN_GROW, timeline.last - timeline.first)
            first = timeline.first if timeline.lo_us <= lo else min(first, timeline.first - grow)
            last = timeline.last if hi < timeline.hi_us else max(last, timeline.last + grow)
        return self._build(first, last)

    def _grow_forward(self, timeline: _Timeline, origin: int) -> _Timeline:
        if timeline.last - self._local_date(origin) > _HORIZON:
            raise ValueError(f"Calendar {self.name!r} does not open again within {_HORIZON.days} days.")
        grow = max(_MIN_GROW, timeline.last - timeline.first)
        return self._build(timeline.first, timeline.last + grow)

    def _build(self, first: date, last: date) -> _Timeline:
        tz, closed = self.tz, self.holidays
        by_weekday: list[list[Span]] = [[] for _ in range(7)]
        for span in self.spans:
            by_weekday[span.weekday].append(span)
        raw: list[tuple[int, int]] = []
        day = first
        while day < last:
            if day not in closed:
                for span in by_weekday[day.weekday()]:
                    # fold=0 (the default) reads an ambiguous local time as its first
                    # occurrence and a skipped one by the offset before the jump.
                    opens = _to_us(datetime.combine(day, span.opens, tzinfo=tz))
                    close_day = day + _ONE_DAY if span.crosses_midnight else day
                    closes = _to_us(datetime.combine(close_day, span.closes, tzinfo=tz))
                    if closes > opens:
                        raw.append((opens, closes))
            day += _ONE_DAY
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for a, b in raw:
            # Touching spans merge, so a closing instant is one where the calendar really
            # closes (Mon 00:00-24:00 then Tue 00:00-24:00 is one open stretch).
            if ends and a <= ends[-1]:
                if b > ends[-1]:
                    ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        cum_start: list[int] = []
        cum_end: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            cum_start.append(total)
            total += b - a
            cum_end.append(total)
        timeline = _Timeline(
            first=first,
            last=last,
            lo_us=_to_us(datetime.combine(first + _TWO_DAYS, _MIDNIGHT, tzinfo=tz)),
            hi_us=_to_us(datetime.combine(last, _MIDNIGHT, tzinfo=tz)),
            starts=starts,
            ends=ends,
            cum_start=cum_start,
            cum_end=cum_end,
        )
        self._cache.timeline = timeline
        return timeline


# -- the plan's default calendars ------------------------------------------------------------


def twenty_four_seven(tz: ZoneInfo = DENVER) -> BusinessCalendar:
    """P1, P1G and P2: support is staffed 24x7x365."""
    return BusinessCalendar(name=TWENTY_FOUR_SEVEN, tz=tz, always_open=True)


def standard(tz: ZoneInfo = DENVER, holidays: Iterable[date] | None = None) -> BusinessCalendar:
    """P3 and P4: Mon-Fri 08:00-17:00, US federal holidays closed unless told otherwise."""
    return BusinessCalendar(
        name=STANDARD,
        tz=tz,
        spans=weekly(WEEKDAYS, "08:00-17:00"),
        holidays=_holidays_or_default(holidays),
    )


def extended(tz: ZoneInfo = DENVER, holidays: Iterable[date] | None = None) -> BusinessCalendar:
    """MACD requests (plan §7): extended business hours Mon-Fri 07:00-19:00."""
    return BusinessCalendar(
        name=EXTENDED,
        tz=tz,
        spans=weekly(WEEKDAYS, "07:00-19:00"),
        holidays=_holidays_or_default(holidays),
    )


def chat(tz: ZoneInfo = DENVER, holidays: Iterable[date] | None = None) -> BusinessCalendar:
    """Website chat (plan §2): Mon-Fri 05:00-24:00, Sat-Sun 08:00-17:00."""
    return BusinessCalendar(
        name=CHAT,
        tz=tz,
        spans=weekly(WEEKDAYS, "05:00-24:00") + weekly(WEEKEND, "08:00-17:00"),
        holidays=_holidays_or_default(holidays),
    )


def default_calendars(
    tz: ZoneInfo = DENVER, holidays: Iterable[date] | None = None
) -> dict[str, BusinessCalendar]:
    """The plan's calendars by key, as SLA targets name them."""
    closed = _holidays_or_default(holidays)
    return {
        TWENTY_FOUR_SEVEN: twenty_four_seven(tz),
        STANDARD: standard(tz, closed),
        EXTENDED: extended(tz, closed),
        CHAT: chat(tz, closed),
    }


def _holidays_or_default(holidays: Iterable[date] | None) -> frozenset[date]:
    return us_federal_holidays() if holidays is None else frozenset(holidays)
