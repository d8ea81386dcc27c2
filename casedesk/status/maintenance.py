"""Maintenance windows: once or recurring, their occurrences kept ahead to the horizon,
cancelled, moved and followed up, reminded, started and completed on time. Each write
sends its notices and marks the public pages stale (`versions.changed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from casedesk.accounts.models import Platform, User
from casedesk.cases import actions as case_actions
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import schedule
from casedesk.rules.permissions import Ability
from casedesk.status import checks, notices, versions
from casedesk.status.models import (
    REMINDER_LEAD,
    Impact,
    MaintenanceKind,
    MaintenanceOccurrence,
    MaintenanceWindow,
    OccurrenceState,
)


def recurrence(window: MaintenanceWindow) -> schedule.Recurrence:
    """The window's rule and times, as the schedule rules read them."""
    return schedule.Recurrence(
        rule=window.rrule,
        first_day=window.first_day,
        start=window.start_time,
        end=window.end_time,
        zone=ZoneInfo(window.zone),
        until=window.until,
    )


def _when(occ: MaintenanceOccurrence) -> str:
    zone = ZoneInfo(occ.window.zone)
    start, end = occ.start.astimezone(zone), occ.end.astimezone(zone)
    return f"{start:%a %Y-%m-%d %H:%M} to {end:%a %Y-%m-%d %H:%M %Z}"


def _maintenance_notice(occ: MaintenanceOccurrence, what: str, notice: str, extra: str = "") -> int:
    window = occ.window
    if not window.notifies:
        return 0
    headings = {
        "announced": "Unscheduled maintenance",
        "reminder": "Scheduled maintenance",
        "started": "Maintenance has begun",
        "completed": "Maintenance is complete",
        "cancelled": "Maintenance cancelled",
        "rescheduled": "Maintenance rescheduled",
        "follow_up": "What changed in the maintenance",
    }
    products = ", ".join(p.name for p in window.platforms.all())
    facts = [
        ("When", _when(occ)),
        ("Products affected", products),
        ("Description", window.description),
        ("Justification", window.justification),
        ("Expected impact", window.expected_impact or window.get_impact_display()),
    ]
    return notices.fan_out(
        notice=notice,
        kind=f"maintenance_{what}",
        recipients=notices.window_recipients(window),
        subject=f"{headings[what]}: {window.title}, {_when(occ)}",
        context={
            "heading": f"{headings[what]}: {window.title}",
            "body": extra or window.description,
            "facts": facts,
            "link": notices.absolute("/status/"),
        },
        webhook_topic=notices.window_topic(window),
        payload={
            "maintenance": {
                "id": occ.pk,
                "window": window.uid,
                "title": window.title,
                "kind": window.kind,
                "notice": what,
                "state": occ.state,
                "start": occ.start.isoformat(),
                "end": occ.end.isoformat(),
                "platforms": [p.code for p in window.platforms.all()],
            }
        },
    )


def materialize(window: MaintenanceWindow, now: datetime) -> list[MaintenanceOccurrence]:
    """Keep a row for each occurrence from yesterday to the horizon ahead."""
    if window.cancelled:
        return []
    horizon = now + timedelta(days=settings.CASEDESK_MAINTENANCE_HORIZON_DAYS)
    found = schedule.occurrences(recurrence(window), now - timedelta(days=1), horizon)
    have = set(window.occurrences.values_list("original_start", flat=True))
    new = [
        MaintenanceOccurrence(
            window=window, original_start=o.start, start=o.start, end=o.end, sequence=window.sequence
        )
        for o in found
        if o.start not in have
    ]
    MaintenanceOccurrence.objects.bulk_create(new, ignore_conflicts=True)
    return new


def create_window(
    *,
    by: User | None,
    kind: str,
    title: str,
    platforms: Iterable[Platform],
    description: str,
    justification: str,
    expected_impact: str = "",
    impact: str = Impact.MAINTENANCE,
    rrule: str = "",
    first_day: date,
    start_time: time,
    end_time: time,
    until: date | None = None,
) -> MaintenanceWindow:
    """A maintenance window, once or recurring. Unscheduled maintenance is announced at once."""
    if by is not None:
        case_actions.require_staff(by, Ability.MAINTENANCE)
    if kind not in MaintenanceKind.values:
        raise Refused(f"Unknown kind {kind!r}.")
    try:
        rrule = schedule.validate_rule(rrule)
    except schedule.ScheduleError as exc:
        raise Refused(str(exc)) from None
    if kind in (MaintenanceKind.ONE_OFF, MaintenanceKind.UNSCHEDULED) and rrule:
        raise Refused("One-off and unscheduled maintenance do not recur.")
    platform_list = list(platforms)
    if not platform_list:
        raise Refused("Choose the products affected.")
    now = clock.now()
    with transaction.atomic():
        window = MaintenanceWindow.objects.create(
            kind=kind,
            title=checks.text(title, "title", limit=checks.TITLE_MAX),
            description=checks.text(description, "description"),
            justification=checks.text(justification, "justification"),
            expected_impact=checks.text(expected_impact, "expected impact", required=False),
            impact=checks.impact(impact),
            rrule=rrule,
            first_day=first_day,
            start_time=start_time,
            end_time=end_time,
            until=until,
            created_at=now,
            updated_at=now,
        )
        window.platforms.set(platform_list)
        materialize(window, now)
        if kind == MaintenanceKind.UNSCHEDULED:
            for occ in window.occurrences.all():
                occ.state = schedule.phase(occ.start, occ.end, now)
                occ.reminded = occ.sequence
                occ.save(update_fields=["state", "reminded"])
                _maintenance_notice(occ, "announced", f"mw:{occ.pk}:announced")
        versions.changed()
    return window


def _bump(window: MaintenanceWindow) -> int:
    window.sequence += 1
    window.updated_at = clock.now()
    window.save(update_fields=["sequence", "updated_at"])
    return window.sequence


def cancel_window(window: MaintenanceWindow, *, by: User | None) -> MaintenanceWindow:
    if by is not None:
        case_actions.require_staff(by, Ability.MAINTENANCE)
    with transaction.atomic():
        window = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
        if window.cancelled:
            return window
        window.cancelled = True
        window.save(update_fields=["cancelled"])
        seq = _bump(window)
        for occ in window.occurrences.filter(state=OccurrenceState.SCHEDULED):
            occ.state = OccurrenceState.CANCELLED
            occ.sequence = seq
            occ.save(update_fields=["state", "sequence"])
            _maintenance_notice(occ, "cancelled", f"mw:{occ.pk}:cancelled")
        versions.changed()
    return window


def cancel_occurrence(occ: MaintenanceOccurrence, *, by: User | None) -> MaintenanceOccurrence:
    if by is not None:
        case_actions.require_staff(by, Ability.MAINTENANCE)
    with transaction.atomic():
        occ = MaintenanceOccurrence.objects.select_for_update().select_related("window").get(pk=occ.pk)
        if occ.state != OccurrenceState.SCHEDULED:
            raise Refused(
                f"This occurrence is {occ.get_state_display().lower()}; it can no longer be cancelled."
            )
        occ.state = OccurrenceState.CANCELLED
        occ.sequence = _bump(occ.window)
        occ.save(update_fields=["state", "sequence"])
        _maintenance_notice(occ, "cancelled", f"mw:{occ.pk}:cancelled")
        versions.changed()
    return occ


def reschedule(
    occ: MaintenanceOccurrence, *, by: User | None, start: datetime, end: datetime
) -> MaintenanceOccurrence:
    if by is not None:
        case_actions.require_staff(by, Ability.MAINTENANCE)
    if end <= start:
        raise Refused("The end must be after the start.")
    with transaction.atomic():
        occ = MaintenanceOccurrence.objects.select_for_update().select_related("window").get(pk=occ.pk)
        if occ.state != OccurrenceState.SCHEDULED:
            raise Refused("Only a scheduled occurrence can be moved.")
        if occ.start == start and occ.end == end:
            raise Refused("The occurrence is already at that time; nothing was sent.")
        occ.start, occ.end, occ.moved = start, end, True
        occ.sequence = _bump(occ.window)
        occ.save(update_fields=["start", "end", "moved", "sequence"])
        _maintenance_notice(occ, "rescheduled", f"mw:{occ.pk}:rescheduled:{occ.sequence}")
        versions.changed()
    return occ


def add_follow_up(occ: MaintenanceOccurrence, *, by: User | None, text: str) -> MaintenanceOccurrence:
    """The more detailed notice of what was added or changed, after the event."""
    if by is not None:
        case_actions.require_staff(by, Ability.MAINTENANCE)
    text = checks.text(text, "follow-up")
    with transaction.atomic():
        occ = MaintenanceOccurrence.objects.select_for_update().select_related("window").get(pk=occ.pk)
        if occ.follow_up == text:
            raise Refused("This follow-up was sent already.")
        occ.follow_up = text
        occ.sequence = _bump(occ.window)
        occ.save(update_fields=["follow_up", "sequence"])
        _maintenance_notice(occ, "follow_up", f"mw:{occ.pk}:follow_up:{occ.sequence}", extra=text)
        versions.changed()
    return occ


def advance_maintenance(now: datetime) -> dict[str, int]:
    """Materialize ahead; remind, start and complete what is due. Idempotent."""
    counts = {"created": 0, "reminded": 0, "started": 0, "completed": 0}
    for window in MaintenanceWindow.objects.filter(cancelled=False).exclude(
        until__lt=now.date() - timedelta(days=2)
    ):
        counts["created"] += len(materialize(window, now))
    longest = max((lead for lead in REMINDER_LEAD.values() if lead), default=timedelta(0))
    soon = MaintenanceOccurrence.objects.filter(
        state=OccurrenceState.SCHEDULED, start__gt=now, start__lte=now + longest
    ).select_related("window")
    for occ in soon:
        lead = REMINDER_LEAD[occ.window.kind]
        if lead is None or occ.reminded == occ.sequence or occ.start - lead > now:
            continue
        with transaction.atomic():
            if (
                MaintenanceOccurrence.objects.filter(pk=occ.pk)
                .exclude(reminded=occ.sequence)
                .update(reminded=occ.sequence)
            ):
                _maintenance_notice(occ, "reminder", f"mw:{occ.pk}:reminder:{occ.sequence}")
                counts["reminded"] += 1
    steps = [
        (OccurrenceState.SCHEDULED, OccurrenceState.IN_PROGRESS, "started"),
        (OccurrenceState.IN_PROGRESS, OccurrenceState.COMPLETED, "completed"),
        (OccurrenceState.SCHEDULED, OccurrenceState.COMPLETED, "completed"),
    ]
    for source, target, what in steps:
        due = MaintenanceOccurrence.objects.filter(state=source, start__lte=now).select_related("window")
        due = due.filter(end__lte=now) if target == OccurrenceState.COMPLETED else due.filter(end__gt=now)
        for occ in due:
            with transaction.atomic():
                if MaintenanceOccurrence.objects.filter(pk=occ.pk, state=source).update(state=target):
                    occ.state = target
                    _maintenance_notice(occ, what, f"mw:{occ.pk}:{what}")
                    counts[what] += 1
    if counts["started"] or counts["completed"] or counts["created"]:
        versions.changed()
    return counts
