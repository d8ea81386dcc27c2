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
from casedesk.core.when import human
from casedesk.rules import schedule
from casedesk.rules.permissions import Ability
from casedesk.status import checks, notices, selectors, versions
from casedesk.status.models import (
    MaintenanceKind,
    MaintenanceKindPolicy,
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
    # On the window's own clock (the plan's unless it says otherwise), for every reader.
    zone = ZoneInfo(occ.window.zone)
    return f"{human(occ.start, zone=zone)} to {human(occ.end, zone=zone)}"


def notice_due(window: MaintenanceWindow, policy: MaintenanceKindPolicy, what: str) -> bool:
    """Whether `what` (reminder, announced, started, completed, or a change) is sent: the
    kind's policy decides the advance and at-once notices, the window its start and
    completion; a change goes to whoever hears of the window at all."""
    if what == "reminder":
        return policy.reminder_lead is not None
    if what == "announced":
        return policy.announce_on_entry
    if what in ("started", "completed"):
        return window.notify_start if what == "started" else window.notify_completion
    return policy.sends_notices or window.notify_start or window.notify_completion


def business_hours(zone: str) -> str:
    opens, closes = schedule.BUSINESS_HOURS
    return f"{opens:%H:%M}-{closes:%H:%M} {schedule.zone_label(ZoneInfo(zone))}"


def _check_quiet_hours(
    window: MaintenanceWindow, policy: MaintenanceKindPolicy, start: datetime, end: datetime, reason: str
) -> str:
    """The reason to record: needed when a kind kept outside business hours falls inside."""
    reason = checks.text(reason, "reason", required=False)
    if reason or not policy.quiet_hours or not schedule.in_business_hours(start, end, ZoneInfo(window.zone)):
        return reason
    raise Refused(
        f"{window.get_kind_display()} is best effort outside {business_hours(window.zone)}, and this "
        "window falls inside those hours. Record why: during business hours, because ..."
    )


def _maintenance_notice(
    occ: MaintenanceOccurrence,
    what: str,
    notice: str,
    extra: str = "",
    policy: MaintenanceKindPolicy | None = None,
) -> int:
    window = occ.window
    if not notice_due(window, policy or selectors.kind_policy(window.kind), what):
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
        ("Expected impact", window.impact_summary),
    ]
    if window.business_hours_reason:
        facts.append(("During business hours, because", window.business_hours_reason))
    return notices.fan_out(
        notice=notice,
        kind=f"maintenance_{what}",
        recipients=notices.window_recipients(window),
        subject=f"{headings[what]}: {window.title} ({_when(occ)})",
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
    impact: str | None = None,
    rrule: str = "",
    first_day: date,
    start_time: time,
    end_time: time,
    until: date | None = None,
    notify_start: bool | None = None,
    notify_completion: bool | None = None,
    business_hours_reason: str = "",
) -> MaintenanceWindow:
    """A maintenance window, once or recurring. What is not given comes from the kind's
    policy (impact, start and completion notices); a kind announced at once is."""
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
    policy = selectors.kind_policy(kind)
    now = clock.now()
    window = MaintenanceWindow(
        kind=kind,
        title=checks.title(title),
        description=checks.text(description, "description"),
        justification=checks.text(justification, "justification"),
        expected_impact=checks.text(expected_impact, "expected impact", required=False),
        impact=checks.impact(impact or policy.default_impact),
        rrule=rrule,
        first_day=first_day,
        start_time=start_time,
        end_time=end_time,
        until=until,
        notify_start=policy.notify_start if notify_start is None else notify_start,
        notify_completion=policy.notify_completion if notify_completion is None else notify_completion,
        created_at=now,
        updated_at=now,
    )
    # Every occurrence keeps the same wall-clock hours, so the first day stands for all.
    rec = recurrence(window)
    window.business_hours_reason = _check_quiet_hours(
        window, policy, rec.local_start(first_day), rec.local_end(first_day), business_hours_reason
    )
    with transaction.atomic():
        window.save()
        window.platforms.set(platform_list)
        materialize(window, now)
        if policy.announce_on_entry:
            for occ in window.occurrences.all():
                occ.state = schedule.phase(occ.start, occ.end, now)
                occ.reminded = occ.sequence
                occ.save(update_fields=["state", "reminded"])
                _maintenance_notice(occ, "announced", f"mw:{occ.pk}:announced", policy=policy)
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
    occ: MaintenanceOccurrence,
    *,
    by: User | None,
    start: datetime,
    end: datetime,
    business_hours_reason: str = "",
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
        window = occ.window
        reason = _check_quiet_hours(
            window,
            selectors.kind_policy(window.kind),
            start,
            end,
            business_hours_reason or window.business_hours_reason,
        )
        if reason != window.business_hours_reason:
            window.business_hours_reason = reason
            window.save(update_fields=["business_hours_reason"])
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
    policies = selectors.kind_policies()
    leads = [p.reminder_lead for p in policies.values() if p.reminder_lead is not None]
    soon = MaintenanceOccurrence.objects.filter(
        state=OccurrenceState.SCHEDULED, start__gt=now, start__lte=now + max(leads, default=timedelta(0))
    ).select_related("window")
    for occ in soon:
        lead = policies[occ.window.kind].reminder_lead
        if lead is None or occ.reminded == occ.sequence or occ.start - lead > now:
            continue
        with transaction.atomic():
            if (
                MaintenanceOccurrence.objects.filter(pk=occ.pk)
                .exclude(reminded=occ.sequence)
                .update(reminded=occ.sequence)
            ):
                _maintenance_notice(
                    occ, "reminder", f"mw:{occ.pk}:reminder:{occ.sequence}", policy=policies[occ.window.kind]
                )
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
                    _maintenance_notice(occ, what, f"mw:{occ.pk}:{what}", policy=policies[occ.window.kind])
                    counts[what] += 1
    if counts["started"] or counts["completed"] or counts["created"]:
        versions.changed()
    return counts
