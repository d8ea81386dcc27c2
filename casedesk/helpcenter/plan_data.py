"""The published Client Support Plan, read from the data the desk enforces: the SLA
policies and calendars in force (`sla.config`, the same the clocks use), the escalation
paths and their contacts, the maintenance kinds, windows and their notices, and the
lifecycle's numbers. Nothing here is typed twice, so the published plan cannot drift from
the desk's behaviour: an edit in the admin is on the page at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from casedesk.escalation import selectors as escalation
from casedesk.rules import closing, published, schedule
from casedesk.rules.lifecycle import LABELS, Status
from casedesk.rules.triage import LABELS as PRIORITY_LABELS
from casedesk.rules.triage import Priority
from casedesk.sla import config
from casedesk.sla.models import Calendar
from casedesk.status import selectors as status
from casedesk.status.models import MaintenanceKind, MaintenanceWindow


@dataclass(frozen=True)
class PriorityRow:
    code: str
    label: str
    definition: str
    example: str
    response: str
    update: str
    response_hours: str
    update_hours: str


@dataclass(frozen=True)
class HoursRow:
    name: str
    how: str
    hours: str


@dataclass(frozen=True)
class StatusRow:
    label: str
    meaning: str
    is_open: bool


@dataclass(frozen=True)
class KindRow:
    name: str
    when: str
    impact: str
    notices: str


def _calendars() -> dict[str, Calendar]:
    return {c.key: c for c in Calendar.objects.all()}


def hours_of(key: str) -> str:
    """The hours of the calendar the desk enforces under this key, in words."""
    calendar = config.current().calendar(key)
    return published.describe_hours(calendar, schedule.zone_label(calendar.tz))


def calendar_name(rows: dict[str, Calendar], key: str) -> str:
    row = rows.get(key)
    return row.name if row is not None else CALENDAR_NAMES.get(key, key)


# Names for calendars that have no row (a database without the seeded ones).
CALENDAR_NAMES = {
    "24x7": "24x7x365",
    "standard": "business hours",
    "extended": "extended hours",
    "chat": "chat",
}


def priorities() -> list[PriorityRow]:
    cfg, calendars = config.current(), _calendars()
    rows = []
    for priority in (Priority.P1, Priority.P2, Priority.P3, Priority.P4, Priority.P1G):
        policy = cfg.policies.policy(priority)
        text = published.PRIORITIES[priority]
        first, update = policy.initial_response, policy.update_frequency
        rows.append(
            PriorityRow(
                priority.value,
                PRIORITY_LABELS[priority],
                text.definition,
                text.example,
                first.describe(),
                update.describe(),
                calendar_name(calendars, first.calendar),
                calendar_name(calendars, update.calendar),
            )
        )
    return rows


def hours() -> list[HoursRow]:
    return [HoursRow(c.name, c.how, hours_of(c.calendar)) for c in published.CHANNELS]


def statuses() -> list[StatusRow]:
    return [StatusRow(LABELS[s], published.STATUS_MEANINGS[s], s.is_open) for s in Status]


def lifecycle_rules() -> dict[str, Any]:
    return {
        "reopen_days": settings.CASEDESK_REOPEN_DAYS,
        "no_response_days": closing.NO_RESPONSE_BUSINESS_DAYS,
        "warn_days": closing.WARN_BUSINESS_DAYS_BEFORE,
    }


def escalation_paths() -> list[Any]:
    return escalation.escalation_paths()


def _notices(policy: Any) -> str:
    said = []
    if policy.reminder_lead:
        lead = policy.reminder_lead
        ahead = published.plural(lead.days, "day") if lead >= timedelta(days=2) else _hours(lead)
        said.append(f"e-mail {ahead} before")
    if policy.announce_on_entry:
        said.append("e-mail as soon as it starts, even after the fact")
    if policy.notify_start:
        said.append("when it begins")
    if policy.notify_completion:
        said.append("when it completes")
    text = ", ".join(said)
    return f"{text[:1].upper()}{text[1:]}" if said else "No notice (no customer impact)"


def _hours(lead: timedelta) -> str:
    return published.plural(lead.total_seconds() / 3600, "hour")


def maintenance_kinds() -> list[KindRow]:
    policies = status.kind_policies()
    rows = []
    for kind in (
        MaintenanceKind.MONTHLY,
        MaintenanceKind.CERTIFICATE,
        MaintenanceKind.PLATFORM_UPDATE,
        MaintenanceKind.UNSCHEDULED,
    ):
        plan = schedule.PLAN[kind.value]
        policy = policies[kind.value]
        if plan.rule:
            words = schedule.in_words(plan.rule)
            when = f"{words[:1].upper()}{words[1:]}, {plan.start:%H:%M}-{plan.end:%H:%M} MT"
        else:
            when = "As needed; best effort outside 05:00-23:00 MT (work inside those hours records why)"
        impact = (
            "No customer impact" if policy.default_impact == "operational" else "Brief interruptions possible"
        )
        rows.append(KindRow(str(kind.label), when, impact, _notices(policy)))
    return rows


def windows() -> list[MaintenanceWindow]:
    """The recurring windows in force, as scheduled by staff (each listed once)."""
    return list(
        MaintenanceWindow.objects.filter(cancelled=False)
        .exclude(rrule="")
        .prefetch_related("platforms")
        .order_by("kind", "title")
    )


def upcoming(now: datetime) -> list[Any]:
    return status.maintenance_upcoming(now, days=45)


def window_words(window: MaintenanceWindow) -> str:
    return f"{schedule.in_short(window.rrule)}, {window.start_time:%H:%M}-{window.end_time:%H:%M}"
