"""Maintenance recurrences: wall-clock windows in a local zone, expanded with RFC 5545 rules.

Pure Python (dateutil's rrule and zoneinfo); no Django. A window is a start time and an end
time on the local wall clock; when the end is not after the start, the window ends on the
next day (22:00-04:00). Each occurrence is expanded on the wall clock and only then given
its UTC offset, so "Friday 00:00" stays 00:00 local on both sides of a daylight-saving
change, and durations follow the wall clock too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

DENVER = ZoneInfo("America/Denver")

# The rules the plan ships (SPEC section 8).
MONTHLY_THIRD_FRIDAY = "FREQ=MONTHLY;BYDAY=+3FR"
WEEKLY_FRIDAY = "FREQ=WEEKLY;BYDAY=FR"
EVERY_THIRD_TUESDAY = "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU"


class ScheduleError(ValueError):
    """A rule or window that cannot be used; the message says why."""


@dataclass(frozen=True)
class Recurrence:
    rule: str  # RRULE value without the "RRULE:" prefix; empty for a one-off window
    first_day: date  # DTSTART's date; the rule counts from here (INTERVAL=3 weeks, say)
    start: time
    end: time
    zone: ZoneInfo = DENVER
    until: date | None = None  # last day an occurrence may start, inclusive

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def local_start(self, day: date) -> datetime:
        return localize(datetime.combine(day, self.start), self.zone)

    def local_end(self, day: date) -> datetime:
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        return localize(datetime.combine(end_day, self.end), self.zone)


@dataclass(frozen=True)
class Occurrence:
    day: date  # the local date the occurrence starts on; it names the occurrence
    start: datetime  # aware, in the recurrence's zone
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in `zone`. A time skipped by a spring-forward change moves forward by
    the gap (02:30 -> 03:30); a repeated autumn time is its first (daylight) instance."""
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone)


def validate_rule(rule: str) -> str:
    rule = (rule or "").strip().removeprefix("RRULE:")
    if not rule:
        return ""
    if any(part.upper().startswith(("DTSTART", "COUNT=0")) for part in rule.split(";")):
        raise ScheduleError("Give the first day separately, not inside the rule.")
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 - wall clock on purpose
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"Not a recurrence rule: {exc}") from None
    if "FREQ=SECONDLY" in rule.upper() or "FREQ=MINUTELY" in rule.upper():
        raise ScheduleError("Maintenance recurs at most hourly.")
    return rule


def days(rec: Recurrence, since: date, until: date) -> list[date]:
    """The local days in [since, until] on which an occurrence starts."""
    last = min(until, rec.until) if rec.until else until
    if not rec.rule:
        return [rec.first_day] if since <= rec.first_day <= last else []
    rule = rrulestr(rec.rule, dtstart=datetime.combine(rec.first_day, time()))
    begin = datetime.combine(max(since, rec.first_day), time())
    end = datetime.combine(last, time())
    return [moment.date() for moment in rule.between(begin, end, inc=True)]


def occurrences(rec: Recurrence, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """Every occurrence that overlaps [window_start, window_end) (aware datetimes), in order."""
    local_since = window_start.astimezone(rec.zone).date() - timedelta(days=1)
    local_until = window_end.astimezone(rec.zone).date()
    found = []
    for day in days(rec, local_since, local_until):
        occ = Occurrence(day=day, start=rec.local_start(day), end=rec.local_end(day))
        if occ.end > window_start and occ.start < window_end:
            found.append(occ)
    return found


def next_occurrence(rec: Recurrence, after: datetime, horizon_days: int = 800) -> Occurrence | None:
    """The first occurrence that has not ended by `after`."""
    found = occurrences(rec, after, after + timedelta(days=horizon_days))
    return found[0] if found else None


def phase(start: datetime, end: datetime, now: datetime) -> str:
    """scheduled, in_progress or completed, for an occurrence at `now`."""
    if now < start:
        return "scheduled"
    if now < end:
        return "in_progress"
    return "completed"


def reminder_at(start: datetime, lead: timedelta | None) -> datetime | None:
    return None if lead is None else start - lead


@dataclass(frozen=True)
class KindPlan:
    """What the plan says about one kind of maintenance (SPEC section 8). The status app
    seeds its editable kind policies from these and falls back on them."""

    rule: str
    start: time
    end: time
    impact: str  # "operational": no customer impact; "maintenance": brief interruptions possible
    reminder: timedelta | None = None  # advance notice, this long before each start
    at_once: bool = False  # a notice as soon as the window is entered, even after the fact
    at_start: bool = False
    at_completion: bool = False
    quiet_hours: bool = False  # best effort outside business hours; inside, record why

    @property
    def sends_notices(self) -> bool:
        return self.reminder is not None or self.at_once or self.at_start or self.at_completion


WEEK = timedelta(days=7)
PLAN: dict[str, KindPlan] = {
    "monthly": KindPlan(
        MONTHLY_THIRD_FRIDAY, time(22), time(4), "maintenance", WEEK, at_start=True, at_completion=True
    ),
    "certificate": KindPlan(WEEKLY_FRIDAY, time(0), time(0, 30), "operational"),
    "platform_update": KindPlan(EVERY_THIRD_TUESDAY, time(21), time(23), "operational", timedelta(hours=24)),
    # Not in the plan's table: planned work off the regular dates, announced like the monthly.
    "one_off": KindPlan("", time(22), time(4), "maintenance", WEEK, at_start=True, at_completion=True),
    "unscheduled": KindPlan(
        "", time(23), time(5), "maintenance", at_once=True, at_completion=True, quiet_hours=True
    ),
}
PLAN_RULES: dict[str, tuple[str, time, time]] = {k: (p.rule, p.start, p.end) for k, p in PLAN.items()}

# Unscheduled work is best effort outside these local hours.
BUSINESS_HOURS = (time(5), time(23))


def next_quiet_start(now: datetime, zone: ZoneInfo = DENVER) -> datetime:
    """The next 23:00 on the local wall clock (now, if it is exactly 23:00)."""
    day = now.astimezone(zone).date()
    start = localize(datetime.combine(day, BUSINESS_HOURS[1]), zone)
    return (
        start
        if start >= now
        else localize(datetime.combine(day + timedelta(days=1), BUSINESS_HOURS[1]), zone)
    )


def in_business_hours(start: datetime, end: datetime, zone: ZoneInfo = DENVER) -> bool:
    """Whether any part of [start, end) falls between 05:00 and 23:00 local on some day."""
    if end - start > timedelta(hours=7):  # longer than the longest quiet night (autumn change)
        return True
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        opens = localize(datetime.combine(day, BUSINESS_HOURS[0]), zone)
        closes = localize(datetime.combine(day, BUSINESS_HOURS[1]), zone)
        if start < closes and end > opens:
            return True
        day += timedelta(days=1)
    return False


_ZONE_LABELS = {"America/Denver": "MT"}


def zone_label(zone: ZoneInfo) -> str:
    return _ZONE_LABELS.get(zone.key, zone.key)


_WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second-to-last"}
_UNITS = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day", "HOURLY": "hour"}


def in_words(rule: str) -> str:
    """A rule as a person would say it: "the third Friday of every month"."""
    rule = (rule or "").strip().removeprefix("RRULE:")
    if not rule:
        return "once"
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    unit = _UNITS.get(freq, freq.lower())
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    every = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    days = []
    for token in filter(None, parts.get("BYDAY", "").split(",")):
        number, code = token[:-2], token[-2:]
        name = _WEEKDAYS.get(code, code)
        if number.lstrip("+-").isdigit():
            nth = int(number)
            days.append(f"the {_ORDINALS.get(nth, f'{nth}.')} {name}")
        else:
            days.append(name)
    if days and freq in ("MONTHLY", "YEARLY") and days[0].startswith("the "):
        words = f"{', '.join(days)} of {every}"
    elif days:
        words = f"{every} on {', '.join(days)}"
    elif parts.get("BYMONTHDAY"):
        words = f"{every} on day {parts['BYMONTHDAY']}"
    else:
        words = every
    if parts.get("COUNT", "").isdigit():
        words += f", {parts['COUNT']} times"
    return words


def in_short(rule: str) -> str:
    """A rule for a one-line listing: "Fridays" for every week on Friday, else `in_words`."""
    parts = dict(p.split("=", 1) for p in (rule or "").upper().removeprefix("RRULE:").split(";") if "=" in p)
    names = [_WEEKDAYS.get(code, "") for code in filter(None, parts.get("BYDAY", "").split(","))]
    plain = set(parts) <= {"FREQ", "BYDAY", "WKST", "INTERVAL"} and parts.get("INTERVAL", "1") == "1"
    if parts.get("FREQ") == "WEEKLY" and plain and names and all(names):
        plural = [f"{name}s" for name in names]
        return plural[0] if len(plural) == 1 else f"{', '.join(plural[:-1])} and {plural[-1]}"
    return in_words(rule)
