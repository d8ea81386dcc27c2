"""Every write to master cases, incidents, maintenance windows and subscriptions.

Each runs in one transaction, writes its audit trail and its notices with the change, and
marks the public pages stale (`pages.changed`).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from casedesk.accounts.models import Contact, Organisation, Platform, User
from casedesk.cases import actions as case_actions
from casedesk.cases.actions import _lock, _record, _require_staff
from casedesk.cases.actions import _text as case_text
from casedesk.cases.models import Case, CaseEvent, Channel, Priority
from casedesk.core import clock
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.mail import outbox
from casedesk.rules import schedule
from casedesk.rules.lifecycle import Actor, Status
from casedesk.status import ics, notices, pages
from casedesk.status.models import (
    REMINDER_LEAD,
    Impact,
    Incident,
    IncidentState,
    IncidentUpdate,
    MaintenanceKind,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MasterChild,
    OccurrenceState,
    PlatformImpact,
    Subscription,
    worst,
)

CONFIRM_SALT = "casedesk.status.subscribe"
TITLE_MAX = 200
BODY_MAX = 20_000


def _text(value: str, what: str, *, required: bool = True, limit: int = BODY_MAX) -> str:
    """The case actions' text check, with this module's defaults (required, BODY_MAX)."""
    return case_text(value, what, required=required, limit=limit)


def _impact(value: str) -> str:
    if value not in Impact.values:
        raise Refused(f"Unknown impact {value!r}.")
    return value


# --- master cases --------------------------------------------------------------------


def provider_contact() -> Contact:
    """Master cases opened from scratch belong to the provider's own network-operations
    organisation: the issue is the provider's, not one customer's."""
    org, _ = Organisation.objects.get_or_create(
        account_number=settings.CASEDESK_PROVIDER_ACCOUNT,
        defaults={"name": f"{settings.CASEDESK_SITE_NAME} network operations"},
    )
    contact, _ = Contact.objects.get_or_create(
        organisation=org,
        email=settings.DEFAULT_FROM_EMAIL,
        defaults={"name": "Network operations", "is_secondary_mpoc": True, "is_technical": True},
    )
    return contact


def _next_due(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.CASEDESK_MASTER_UPDATE_MINUTES)


def _start_incident(
    case: Case,
    by: User,
    *,
    title: str,
    body: str,
    platforms: Iterable[Platform],
    organisations: Iterable[Organisation],
    impact: str,
) -> Incident:
    now = clock.now()
    incident = Incident.objects.create(case=case, title=title, started_at=now, next_update_due=_next_due(now))
    incident.organisations.set(list(organisations))
    platform_list = list(platforms)
    if not platform_list:
        raise Refused("Choose at least one affected platform.")
    PlatformImpact.objects.bulk_create(
        [PlatformImpact(incident=incident, platform=p, impact=impact, worst=impact) for p in platform_list]
    )
    _publish_update(incident, by, IncidentState.INVESTIGATING, body, now)
    return incident


def create_master(
    *,
    by: User,
    title: str,
    body: str,
    platforms: Iterable[Platform],
    organisations: Iterable[Organisation] = (),
    impact: str = Impact.MAJOR,
) -> Case:
    """Open a master case (P1G) for an issue affecting several organisations."""
    _require_staff(by)
    title = _text(title, "title", limit=TITLE_MAX)
    body = _text(body, "first public update")
    _impact(impact)
    contact = provider_contact()
    now = clock.now()
    with transaction.atomic():
        case = Case.objects.create(
            organisation=contact.organisation,
            contact=contact,
            title=title,
            description=body,
            priority=Priority.P1G,
            status=Status.IN_PROGRESS.value,
            channel=Channel.PHONE,
            assignee=by,
            needs_triage=False,
            created_by=by,
            opened_at=now,
            updated_at=now,
        )
        platform_list = list(platforms)
        if platform_list:
            case.platform = platform_list[0]
            case.team = platform_list[0].team
            case.save(update_fields=["platform", "team"])
        _record(case, by, Actor.STAFF, CaseEvent.Kind.CREATED, body=body, at=now, public=False)
        _start_incident(
            case,
            by,
            title=title,
            body=body,
            platforms=platform_list,
            organisations=organisations,
            impact=impact,
        )
    return case


def promote(
    case: Case,
    *,
    by: User,
    body: str,
    platforms: Iterable[Platform] = (),
    organisations: Iterable[Organisation] = (),
    title: str = "",
    impact: str = Impact.MAJOR,
) -> Case:
    """Make an existing case the master case (P1G) of the issue it reports."""
    _require_staff(by)
    body = _text(body, "first public update")
    _impact(impact)
    with transaction.atomic():
        case = _lock(case)
        if Incident.objects.filter(case=case).exists():
            raise Refused(f"{case.number} is already a master case.")
        if MasterChild.objects.filter(case=case).exists():
            raise Refused(f"{case.number} is part of a master case; unlink it first.")
        if not case.is_open:
            raise Refused(
                f"{case.number} is {case.status_label}; only an open case can become a master case."
            )
        old = case.priority
        case.priority = Priority.P1G
        case.needs_triage = False
        if case.assignee_id is None:
            case.assignee = by
        case.updated_at = clock.now()
        case.save()
        _record(
            case,
            by,
            Actor.STAFF,
            CaseEvent.Kind.CHANGE,
            body="Designated a master case (P1G).",
            changes={"priority": [old, Priority.P1G.value]},
        )
        platform_list = list(platforms) or ([case.platform] if case.platform else [])
        orgs = {o.pk: o for o in organisations}
        orgs.setdefault(case.organisation_id, case.organisation)
        _start_incident(
            case,
            by,
            title=_text(title or case.title, "title", limit=TITLE_MAX),
            body=body,
            platforms=platform_list,
            organisations=orgs.values(),
            impact=impact,
        )
    return case


def _incident_of(master: Case) -> Incident:
    incident = Incident.objects.select_for_update().filter(case=master).first()
    if incident is None:
        raise NotFound(f"{master.number} is not a master case.")
    return incident


def link_child(master: Case, child: Case, *, by: User) -> MasterChild:
    _require_staff(by)
    with transaction.atomic():
        master = _lock(master)
        incident = _incident_of(master)
        child = _lock(child)
        if child.pk == master.pk or Incident.objects.filter(case=child).exists():
            raise Refused("A master case cannot be a child of a master case.")
        existing = MasterChild.objects.filter(case=child).select_related("master").first()
        if existing is not None:
            raise Refused(f"{child.number} is already part of master case {existing.master.number}.")
        if not incident.is_active:
            raise Refused(f"{master.number} is resolved; open a new master case instead.")
        link = MasterChild.objects.create(case=child, master=master, linked_at=clock.now(), linked_by=by)
        incident.organisations.add(child.organisation_id)
        _record(
            child,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"This case is part of master case {master.number}: {incident.title}. "
            "Updates follow the master case, hourly.",
            changes={"master": [None, master.number]},
        )
        _record(
            master,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"Linked {child.number} ({child.organisation.name}).",
            changes={"children": [None, child.number]},
            public=False,
        )
        pages.changed()
    return link


def unlink_child(master: Case, child: Case, *, by: User) -> None:
    _require_staff(by)
    with transaction.atomic():
        master = _lock(master)
        incident = _incident_of(master)
        child = _lock(child)
        deleted, _ = MasterChild.objects.filter(case=child, master=master).delete()
        if not deleted:
            raise Refused(f"{child.number} is not part of {master.number}.")
        if (
            not MasterChild.objects.filter(
                master=master, case__organisation_id=child.organisation_id
            ).exists()
            and child.organisation_id != master.organisation_id
        ):
            incident.organisations.remove(child.organisation_id)
        _record(
            child,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"No longer part of master case {master.number}.",
            changes={"master": [master.number, None]},
        )
        _record(
            master,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"Unlinked {child.number}.",
            changes={"children": [child.number, None]},
            public=False,
        )
        pages.changed()


def _publish_update(incident: Incident, by: User, state: str, body: str, now: datetime) -> IncidentUpdate:
    impacts = dict(incident.impacts.values_list("platform__code", "impact"))
    update = IncidentUpdate.objects.create(
        incident=incident, at=now, state=state, body=body, impacts=impacts, author=by
    )
    master = incident.case
    _record(master, by, Actor.STAFF, CaseEvent.Kind.COMMENT, body=body, at=now)
    for child in Case.objects.filter(master_link__master=master):
        if child.is_open:
            _record(
                child,
                by,
                Actor.STAFF,
                CaseEvent.Kind.COMMENT,
                body=f"Update on master case {master.number} ({IncidentState(state).label}):\n\n{body}",
                at=now,
            )
            Case.objects.filter(pk=child.pk).update(updated_at=now)
    label = IncidentState(state).label
    link = notices.absolute(f"/status/incidents/{incident.pk}/")
    affected = ", ".join(
        f"{name} ({Impact(impact).label})"
        for name, impact in incident.impacts.values_list("platform__name", "impact")
    )
    notices.fan_out(
        notice=f"incident-update:{update.pk}",
        kind="status_incident",
        recipients=notices.incident_recipients(incident),
        subject=f"[{label}] {incident.title} ({master.number})",
        context={
            "heading": f"{incident.title}: {label}",
            "body": body,
            "facts": [("Affected", affected), ("Master case", master.number), ("Posted", now.isoformat())],
            "link": link,
        },
        case=master,
        webhook_topic=notices.incident_topic(incident),
        payload={
            "incident": {"id": incident.pk, "title": incident.title, "state": state, "url": link},
            "update": {"id": update.pk, "at": now.isoformat(), "body": body, "impacts": impacts},
        },
    )
    pages.changed()
    return update


def post_update(
    master: Case,
    *,
    by: User,
    body: str,
    state: str | None = None,
    impacts: Mapping[int, str] | None = None,
) -> IncidentUpdate:
    """The hourly public update: posted on the status page, sent to the master-case contacts
    of the affected organisations and to subscribers, appended to every child case."""
    _require_staff(by)
    body = _text(body, "update")
    with transaction.atomic():
        master = _lock(master)
        incident = _incident_of(master)
        if not incident.is_active:
            raise Refused("This incident is resolved.")
        state = state or incident.state
        if state not in IncidentState.values:
            raise Refused(f"Unknown state {state!r}.")
        now = clock.now()
        for platform_id, value in (impacts or {}).items():
            _impact(value)
            row, created = PlatformImpact.objects.get_or_create(
                incident=incident, platform_id=platform_id, defaults={"impact": value, "worst": value}
            )
            if not created:
                row.impact = value
                row.worst = worst([row.worst, value])
                row.save(update_fields=["impact", "worst"])
        incident.state = state
        if state == IncidentState.RESOLVED:
            incident.resolved_at = now
            incident.next_update_due = None
            incident.impacts.update(impact=Impact.OPERATIONAL)
        else:
            incident.next_update_due = _next_due(now)
        incident.save()
        master.updated_at = now
        master.save(update_fields=["updated_at"])
        return _publish_update(incident, by, state, body, now)


def resolve_master(master: Case, *, by: User, note: str) -> Case:
    """Resolve the incident; every open child moves to Resolved Follow-up Required with the
    master's final note."""
    note = _text(note, "final note")
    with transaction.atomic():
        post_update(master, by=by, body=note, state=IncidentState.RESOLVED)
        for child in Case.objects.filter(master_link__master=master).order_by("id"):
            if child.is_open and child.status != Status.RESOLVED.value:
                case_actions.transition(
                    child,
                    to=Status.RESOLVED.value,
                    by=by,
                    note=f"Resolved with master case {master.number}:\n\n{note}",
                )
        master = Case.objects.get(pk=master.pk)
        if master.status != Status.RESOLVED.value:
            master = case_actions.transition(master, to=Status.RESOLVED.value, by=by, note=note)
    return master


def remind_and_escalate(now: datetime) -> dict[str, int]:
    """Ten minutes before an hourly update is due, remind the owner; once it is missed,
    escalate to the owner's team manager. Once per deadline, however often this runs."""
    lead = timedelta(minutes=settings.CASEDESK_MASTER_REMIND_MINUTES)
    counts = {"reminded": 0, "escalated": 0}
    due = Incident.objects.exclude(state=IncidentState.RESOLVED).filter(next_update_due__lte=now + lead)
    for incident in due.select_related("case", "case__assignee", "case__team__manager"):
        deadline = incident.next_update_due
        assert deadline is not None
        case = incident.case
        owner = case.assignee.email if case.assignee else ""
        local = deadline.astimezone(ZoneInfo(settings.TIME_ZONE))
        with transaction.atomic():
            if incident.reminded_for != deadline and Incident.objects.filter(pk=incident.pk).exclude(
                reminded_for=deadline
            ).update(reminded_for=deadline):
                outbox.enqueue(
                    kind="master_reminder",
                    to=owner or settings.CASEDESK_ESCALATION_EMAIL,
                    subject=f"Update due {local:%H:%M} on master case {case.number}: {incident.title}",
                    text=f"The next hourly public update of {case.number} is due at {local:%H:%M %Z}.\n\n"
                    f"{settings.CASEDESK_BASE_URL}/console/masters/{case.number}/",
                    case=case,
                    dedupe_key=f"master-remind:{incident.pk}:{deadline.isoformat()}",
                )
                counts["reminded"] += 1
            if deadline <= now and Incident.objects.filter(pk=incident.pk).exclude(
                escalated_for=deadline
            ).update(escalated_for=deadline):
                manager = case.team.manager.email if case.team and case.team.manager else ""
                for address in {owner, manager, settings.CASEDESK_ESCALATION_EMAIL} - {""}:
                    outbox.enqueue(
                        kind="master_escalation",
                        to=address,
                        subject=f"MISSED hourly update on master case {case.number}: {incident.title}",
                        text=f"The public update due at {local:%H:%M %Z} has not been posted.\n\n"
                        f"{settings.CASEDESK_BASE_URL}/console/masters/{case.number}/",
                        case=case,
                        dedupe_key=f"master-escalate:{incident.pk}:{deadline.isoformat()}:{address}"[:200],
                    )
                _record(
                    case,
                    None,
                    Actor.SYSTEM,
                    CaseEvent.Kind.NOTE,
                    body=f"Hourly update due {local:%H:%M %Z} was missed; escalated.",
                    public=False,
                )
                counts["escalated"] += 1
    return counts


# --- maintenance ----------------------------------------------------------------------


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
    found = schedule.occurrences(ics.recurrence(window), now - timedelta(days=1), horizon)
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
        _require_staff(by)
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
            title=_text(title, "title", limit=TITLE_MAX),
            description=_text(description, "description"),
            justification=_text(justification, "justification"),
            expected_impact=_text(expected_impact, "expected impact", required=False),
            impact=_impact(impact),
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
        pages.changed()
    return window


def _bump(window: MaintenanceWindow) -> int:
    window.sequence += 1
    window.updated_at = clock.now()
    window.save(update_fields=["sequence", "updated_at"])
    return window.sequence


def cancel_window(window: MaintenanceWindow, *, by: User | None) -> MaintenanceWindow:
    if by is not None:
        _require_staff(by)
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
        pages.changed()
    return window


def cancel_occurrence(occ: MaintenanceOccurrence, *, by: User | None) -> MaintenanceOccurrence:
    if by is not None:
        _require_staff(by)
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
        pages.changed()
    return occ


def reschedule(
    occ: MaintenanceOccurrence, *, by: User | None, start: datetime, end: datetime
) -> MaintenanceOccurrence:
    if by is not None:
        _require_staff(by)
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
        pages.changed()
    return occ


def add_follow_up(occ: MaintenanceOccurrence, *, by: User | None, text: str) -> MaintenanceOccurrence:
    """The more detailed notice of what was added or changed, after the event."""
    if by is not None:
        _require_staff(by)
    text = _text(text, "follow-up")
    with transaction.atomic():
        occ = MaintenanceOccurrence.objects.select_for_update().select_related("window").get(pk=occ.pk)
        if occ.follow_up == text:
            raise Refused("This follow-up was sent already.")
        occ.follow_up = text
        occ.sequence = _bump(occ.window)
        occ.save(update_fields=["follow_up", "sequence"])
        _maintenance_notice(occ, "follow_up", f"mw:{occ.pk}:follow_up:{occ.sequence}", extra=text)
        pages.changed()
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
        pages.changed()
    return counts


# --- subscriptions --------------------------------------------------------------------


def _topic(platform: Platform | None, incident: Incident | None) -> dict:
    if (platform is None) == (incident is None):
        raise Refused("Subscribe to one platform or to one incident.")
    if incident is not None and not incident.is_active:
        raise Refused("This incident is resolved; subscribe to its platform instead.")
    return {"platform": platform, "incident": incident}


def clean_email(value: str) -> str:
    value = (value or "").strip()
    try:
        EmailValidator()(value)
    except ValidationError:
        raise Refused("Enter a valid email address.") from None
    return value


def confirm_link(subscription: Subscription) -> str:
    signed = signing.dumps({"s": subscription.pk, "t": subscription.token[:12]}, salt=CONFIRM_SALT)
    return notices.absolute(f"/status/subscriptions/confirm/{signed}/")


def request_subscription(
    *, email: str, platform: Platform | None = None, incident: Incident | None = None
) -> None:
    """Double opt-in: a confirmation link goes to the address; nothing else happens until
    it is followed. Says nothing about whether the address was subscribed already."""
    email = clean_email(email)
    topic = _topic(platform, incident)
    now = clock.now()
    with transaction.atomic():
        sub = Subscription.objects.filter(
            email__iexact=email, channel=Subscription.Channel.EMAIL, **topic
        ).first()
        if sub is None:
            sub = Subscription.objects.create(email=email, created_at=now, **topic)
        if sub.confirmed_at is not None:
            return
        name = platform.name if platform else f"the incident {incident}"
        outbox.enqueue_template(
            kind="status_confirm",
            to=email,
            template="status_confirm",
            context={
                "name": name,
                "link": confirm_link(sub),
                "hours": settings.CASEDESK_SUBSCRIBE_LINK_HOURS,
            },
            # One confirmation per address and topic per hour: a flood of requests is not
            # a flood of mail.
            dedupe_key=f"status-confirm:{sub.pk}:{now:%Y%m%d%H}",
        )


def confirm_subscription(signed: str) -> Subscription:
    try:
        data = signing.loads(signed, salt=CONFIRM_SALT, max_age=settings.CASEDESK_SUBSCRIBE_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise Refused("This confirmation link has expired. Please subscribe again.") from None
    except signing.BadSignature:
        raise NotFound("This confirmation link is not valid.") from None
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=data.get("s")).first()
        if sub is None or not sub.token.startswith(str(data.get("t"))):
            raise NotFound("This subscription no longer exists. Please subscribe again.")
        if sub.confirmed_at is None:
            sub.confirmed_at = clock.now()
            sub.save(update_fields=["confirmed_at"])
    return sub


def subscribe_user(
    user: User, *, platform: Platform | None = None, incident: Incident | None = None
) -> Subscription:
    """A portal user subscribes their own, already verified, address with one click."""
    if not user.is_authenticated:
        raise Forbidden("Log in first.")
    topic = _topic(platform, incident)
    now = clock.now()
    with transaction.atomic():
        sub = Subscription.objects.filter(
            email__iexact=user.email, channel=Subscription.Channel.EMAIL, **topic
        ).first()
        if sub is None:
            sub = Subscription.objects.create(email=user.email, created_at=now, confirmed_at=now, **topic)
        elif sub.confirmed_at is None:
            sub.confirmed_at = now
            sub.save(update_fields=["confirmed_at"])
    return sub


def unsubscribe(token: str) -> Subscription | None:
    """One-click unsubscribe (RFC 8058); the same answer when already gone."""
    sub = Subscription.objects.filter(token=token).first()
    if sub is not None:
        sub.delete()
    return sub


def subscriptions_of(token: str) -> tuple[Subscription, list[Subscription]]:
    sub = Subscription.objects.filter(token=token, channel=Subscription.Channel.EMAIL).first()
    if sub is None:
        raise NotFound("No such subscription.")
    others = Subscription.objects.filter(
        email__iexact=sub.email, channel=Subscription.Channel.EMAIL
    ).select_related("platform", "incident")
    return sub, list(others)


NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also for the IPv4 address an IPv6 one carries (mapped,
    6to4, Teredo, NAT64), which a gateway would deliver to."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in NAT64_PREFIX:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(_public(v4) for v4 in embedded if v4 is not None)
    return True


def webhook_addresses(url: str) -> list[str]:
    """The addresses `url` may be posted to: refuses targets on private, loopback or
    link-local addresses unless allowed explicitly (CASEDESK_WEBHOOK_ALLOWED_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Webhooks need an http or https URL.")
    allowed = set(settings.CASEDESK_WEBHOOK_ALLOWED_HOSTS)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        raise Refused(f"{parts.hostname} does not resolve.") from None
    addresses: list[str] = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not _public(ip) and parts.hostname not in allowed and str(ip) not in allowed:
            raise Refused(f"Webhooks may not target {ip} (not a public address).")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise Refused(f"{parts.hostname} does not resolve.")
    return addresses


def check_webhook_target(url: str) -> str:
    webhook_addresses(url)
    return url


def add_webhook(
    *,
    by: User,
    url: str,
    platform: Platform | None = None,
    incident: Incident | None = None,
    secret: str = "",
) -> Subscription:
    if not by.is_authenticated:
        raise Forbidden("Log in first.")
    check_webhook_target(url)
    now = clock.now()
    return Subscription.objects.create(
        channel=Subscription.Channel.WEBHOOK,
        url=url,
        secret=secret or secrets.token_hex(32),
        created_at=now,
        confirmed_at=now,
        **_topic(platform, incident),
    )


def add_platform_webhooks(*, by: User, url: str, platforms: Iterable[Platform]) -> list[Subscription]:
    """One webhook for maintenance and incidents on each of `platforms`, sharing one secret
    (each row's `secret`)."""
    _require_staff(by)
    platform_list = list(platforms)
    if not platform_list:
        raise Refused("Choose a platform, or all platforms.")
    check_webhook_target(url)
    now = clock.now()
    secret = secrets.token_hex(32)
    with transaction.atomic():
        return [
            Subscription.objects.create(
                channel=Subscription.Channel.WEBHOOK,
                url=url,
                secret=secret,
                platform=platform,
                created_at=now,
                confirmed_at=now,
            )
            for platform in platform_list
        ]


def remove_webhook(subscription: Subscription, *, by: User) -> None:
    """Stop posting to a webhook; deliveries still queued for it go with it."""
    _require_staff(by)
    Subscription.objects.filter(pk=subscription.pk, channel=Subscription.Channel.WEBHOOK).delete()
