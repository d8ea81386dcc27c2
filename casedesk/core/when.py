"""Times and durations as people read them: in the reader's time zone, in words, never an
ISO string. Pages, e-mails and feeds' human text all go through `human`; formats a
standard fixes (RFC 3339 in Atom, UTC in .ics, ISO in JSON) stay where they are made."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.utils import timezone

FORMS = ("full", "date", "time", "day")


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone of that IANA name, or None when it is empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def plan_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, for a profile's select; empty means the default."""
    return [("", "Default (the organisation's or the plan's)")] + [
        (name, name.replace("_", " ")) for name in sorted(available_timezones()) if "/" in name
    ]


def _moment(value: object) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            if "T" in value or " " in value:
                return datetime.fromisoformat(value)
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def human(value: object, form: str = "full", zone: tzinfo | None = None) -> str:
    """`Wed 2 Dec 2026, 12:44 MST` in `zone` (default: the active zone, the reader's).
    `form`: full, date (`Wed 2 Dec 2026`), time (`12:44 MST`), day (`Wed 2 Dec, 12:44 MST`)."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if not isinstance(moment, datetime):
        return f"{moment:%a} {moment.day} {moment:%b %Y}"
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, plan_zone())
    local = moment.astimezone(zone or timezone.get_current_timezone())
    clock = f"{local:%H:%M} {local.tzname()}"
    if form == "date":
        return f"{local:%a} {local.day} {local:%b %Y}"
    if form == "time":
        return clock
    if form == "day":
        return f"{local:%a} {local.day} {local:%b}, {clock}"
    return f"{local:%a} {local.day} {local:%b %Y}, {clock}"


def duration(value: timedelta | int | float | None, *, minutes: bool = False) -> str:
    """`2 h 05 min`, `3 days 4 h`, `45 s`; `minutes`: the number is minutes, not seconds."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value * (60 if minutes else 1))
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    if days:
        text = f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    elif hours:
        text = f"{hours} h" + (f" {mins:02d} min" if mins else "")
    elif mins:
        text = f"{mins} min"
    else:
        text = f"{secs} s"
    return sign + text


def validate_zone(name: str) -> None:
    """A model field's validator: an IANA zone name, or empty for the default."""
    from django.core.exceptions import ValidationError

    if name and zone_named(name) is None:
        raise ValidationError(f"{name!r} is not a time zone name (e.g. America/Denver).")
