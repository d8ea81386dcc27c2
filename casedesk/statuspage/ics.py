"""The maintenance calendar as RFC 5545 iCalendar.

One VEVENT per window with a stable UID (the window's); a recurring window carries its
RRULE, and each occurrence that was moved or cancelled is an override VEVENT with the same
UID and a RECURRENCE-ID. SEQUENCE rises with every change; cancelled windows and
occurrences say STATUS:CANCELLED. Times are local (TZID) with the VTIMEZONE included.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from icalendar import Calendar, Event, vRecur

from casedesk.rules import schedule
from casedesk.status.maintenance import recurrence
from casedesk.status.models import MaintenanceWindow, OccurrenceState


def uid_for(window: MaintenanceWindow) -> str:
    return f"maintenance-{window.uid}@{settings.CASEDESK_MAIL_DOMAIN}"


def _describe(window: MaintenanceWindow, extra: str = "") -> str:
    parts = [
        window.description,
        f"Justification: {window.justification}",
        f"Expected impact: {window.impact_summary}",
        window.business_hours_reason and f"During business hours, because {window.business_hours_reason}",
        f"Products affected: {', '.join(p.name for p in window.platforms.all())}",
    ]
    if extra:
        parts.append(extra)
    return "\n\n".join(part for part in parts if part)


def _base(window: MaintenanceWindow, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid_for(window))
    event.add("dtstamp", stamp)
    event.add("summary", window.title)
    event.add("categories", [window.get_kind_display()])
    event.add("location", ", ".join(p.name for p in window.platforms.all()))
    event.add("url", f"{settings.CASEDESK_BASE_URL}/status/")
    event.add("transp", "TRANSPARENT")
    return event


def window_events(window: MaintenanceWindow, stamp: datetime) -> list[Event]:
    rec = recurrence(window)
    master = _base(window, window.updated_at)
    # DTSTART is the first real occurrence: RFC 5545 counts a DTSTART off the rule as one more.
    first = schedule.days(rec, window.first_day, window.first_day + timedelta(days=800))[:1] or [
        window.first_day
    ]
    master.add("dtstart", rec.local_start(first[0]))
    master.add("dtend", rec.local_end(first[0]))
    master.add("sequence", window.sequence)
    master.add("description", _describe(window, window.follow_up))
    master.add("status", "CANCELLED" if window.cancelled else "CONFIRMED")
    if window.rrule:
        rule = vRecur.from_ical(window.rrule)
        if window.until:
            rule["UNTIL"] = rec.local_start(window.until).astimezone(UTC)  # RFC 5545: UTC with TZID
        master.add("rrule", rule)
    events = [master]
    if not window.rrule:
        return events
    for occ in window.occurrences.all():
        if not (occ.moved or occ.state == OccurrenceState.CANCELLED or occ.follow_up):
            continue
        override = _base(window, window.updated_at)
        override.add("recurrence-id", occ.original_start.astimezone(rec.zone))
        override.add("dtstart", occ.start.astimezone(rec.zone))
        override.add("dtend", occ.end.astimezone(rec.zone))
        override.add("sequence", occ.sequence)
        override.add("description", _describe(window, occ.follow_up))
        cancelled = window.cancelled or occ.state == OccurrenceState.CANCELLED
        override.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        events.append(override)
    return events


def calendar(windows: Iterable[MaintenanceWindow], *, name: str, stamp: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.CASEDESK_SITE_NAME}//Network status//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "America/Denver")
    for window in windows:
        for event in window_events(window, stamp):
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
