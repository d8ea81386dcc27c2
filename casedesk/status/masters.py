"""Master cases (P1G) and their incidents: open or promote, link and unlink the cases
they cover, the hourly public update, resolution, and the reminder and escalation when an
update is due. Every write to a case goes through the case actions; each action marks the
public pages stale (`versions.changed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from casedesk.accounts.models import Contact, Organisation, Platform, User
from casedesk.cases import actions as case_actions
from casedesk.cases import selectors as case_selectors
from casedesk.cases.models import Case, CaseEvent, number_for
from casedesk.core import clock, mailboxes
from casedesk.core.errors import NotFound, Refused
from casedesk.core.when import human, plan_zone
from casedesk.outbox import delivery as outbox
from casedesk.outbox.recipients import Once
from casedesk.rules.lifecycle import Actor, Status
from casedesk.rules.permissions import Ability
from casedesk.status import checks, notices, versions
from casedesk.status.models import (
    Impact,
    Incident,
    IncidentState,
    IncidentUpdate,
    MasterChild,
    PlatformImpact,
    worst,
)


def provider_contact() -> Contact:
    """Master cases opened from scratch belong to the provider's own network-operations
    organisation: the issue is the provider's, not one customer's. Its contact has no
    address, so a master case's own notices go to no one: the affected organisations hear
    through their master-case contacts, and mail to the desk's own address would come back
    in as a new message."""
    org, _ = Organisation.objects.get_or_create(
        account_number=settings.CASEDESK_PROVIDER_ACCOUNT,
        defaults={"name": f"{settings.CASEDESK_SITE_NAME} network operations"},
    )
    if not Contact.objects.filter(organisation=org, email="").exists():
        # Made before, with the desk's own address.
        own = [c.pk for c in Contact.objects.filter(organisation=org) if mailboxes.is_ours(c.email)]
        Contact.objects.filter(pk__in=own[:1]).update(email="")
    contact, _ = Contact.objects.get_or_create(
        organisation=org,
        email="",
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
    children: Sequence[str] = (),
) -> Case:
    """Open a master case (P1G) for an issue affecting several organisations, with the
    cases `children` (numbers) linked to it. All or nothing: every input is checked
    before anything is written, and the case, incident, public update, links and notices
    go in one transaction, so a refusal leaves no trace."""
    case_actions.require_staff(by, Ability.MASTER_CASES)
    title = checks.title(title)
    body = checks.text(body, "first public update")
    checks.impact(impact)
    platform_list = list(platforms)
    if not platform_list:
        raise Refused("Choose at least one affected platform.")
    child_cases = _linkable(by, children)
    with transaction.atomic():
        contact = provider_contact()
        case = case_actions.open_master(
            by=by,
            contact=contact,
            title=title,
            body=body,
            platform=platform_list[0] if platform_list else None,
        ).case
        _start_incident(
            case,
            by,
            title=title,
            body=body,
            platforms=platform_list,
            organisations=organisations,
            impact=impact,
        )
        for child in child_cases:
            link_child(case, child, by=by)
    return case


def _linkable(by: User, numbers: Sequence[str]) -> list[Case]:
    """The cases with these numbers, each one that may become a child of a new master case;
    a Refused naming every number that cannot, and why."""
    found: dict[int, Case] = {}
    bad: list[str] = []
    for number in dict.fromkeys(n.strip().upper() for n in numbers if n.strip()):
        try:
            case = case_selectors.get_case(by, number)
        except NotFound:
            bad.append(f"{number} (no such case)")
            continue
        found[case.pk] = case
    masters = set(Incident.objects.filter(case_id__in=found).values_list("case_id", flat=True))
    linked = dict(MasterChild.objects.filter(case_id__in=found).values_list("case_id", "master_id"))
    for pk, case in found.items():
        if pk in masters:
            bad.append(f"{case.number} (a master case itself)")
        elif pk in linked:
            bad.append(f"{case.number} (already part of master case {number_for(linked[pk])})")
    if bad:
        raise Refused(f"Nothing was created: these cases cannot be linked: {'; '.join(bad)}.")
    return list(found.values())


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
    case_actions.require_staff(by, Ability.MASTER_CASES)
    body = checks.text(body, "first public update")
    checks.impact(impact)
    with transaction.atomic():
        case = case_actions.lock(case)
        if Incident.objects.filter(case=case).exists():
            raise Refused(f"{case.number} is already a master case.")
        if MasterChild.objects.filter(case=case).exists():
            raise Refused(f"{case.number} is part of a master case; unlink it first.")
        if not case.is_open:
            raise Refused(
                f"{case.number} is {case.status_label}; only an open case can become a master case."
            )
        case = case_actions.designate_master(case, by=by)
        platform_list = list(platforms) or ([case.platform] if case.platform else [])
        orgs = {o.pk: o for o in organisations}
        orgs.setdefault(case.organisation_id, case.organisation)
        _start_incident(
            case,
            by,
            title=checks.text(title or case.title, "title", limit=checks.TITLE_MAX),
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
    case_actions.require_staff(by, Ability.MASTER_CASES)
    with transaction.atomic():
        master = case_actions.lock(master)
        incident = _incident_of(master)
        child = case_actions.lock(child)
        if child.pk == master.pk or Incident.objects.filter(case=child).exists():
            raise Refused("A master case cannot be a child of a master case.")
        existing = MasterChild.objects.filter(case=child).select_related("master").first()
        if existing is not None:
            raise Refused(f"{child.number} is already part of master case {existing.master.number}.")
        if not incident.is_active:
            raise Refused(f"{master.number} is resolved; open a new master case instead.")
        link = MasterChild.objects.create(case=child, master=master, linked_at=clock.now(), linked_by=by)
        incident.organisations.add(child.organisation_id)
        case_actions.record(
            child,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"This case is part of master case {master.number}: {incident.title}. "
            "Updates follow the master case, hourly.",
            changes={"master": [None, master.number]},
        )
        case_actions.record(
            master,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"Linked {child.number} ({child.organisation.name}).",
            changes={"children": [None, child.number]},
            public=False,
        )
        versions.changed()
    return link


def unlink_child(master: Case, child: Case, *, by: User) -> None:
    case_actions.require_staff(by, Ability.MASTER_CASES)
    with transaction.atomic():
        master = case_actions.lock(master)
        incident = _incident_of(master)
        child = case_actions.lock(child)
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
        case_actions.record(
            child,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"No longer part of master case {master.number}.",
            changes={"master": [master.number, None]},
        )
        case_actions.record(
            master,
            by,
            Actor.STAFF,
            CaseEvent.Kind.LINK,
            body=f"Unlinked {child.number}.",
            changes={"children": [child.number, None]},
            public=False,
        )
        versions.changed()


def _publish_update(incident: Incident, by: User, state: str, body: str, now: datetime) -> IncidentUpdate:
    impacts = dict(incident.impacts.values_list("platform__code", "impact"))
    update = IncidentUpdate.objects.create(
        incident=incident, at=now, state=state, body=body, impacts=impacts, author=by
    )
    master = incident.case
    label = IncidentState(state).label
    children = Case.objects.filter(master_link__master=master).order_by("pk")
    comments = [case_actions.Comment(case=master, by=by, body=body)] + [
        case_actions.Comment(
            case=child, by=by, body=f"Update on master case {master.number} ({label}):\n\n{body}"
        )
        for child in children
        if child.is_open
    ]
    # One message per address for the whole update: someone on a child case hears on its
    # thread (a reply reaches that case); the status notice goes to those not heard yet.
    once = Once()
    for result in case_actions.add_comments(comments, once=once):
        if isinstance(result, Refused):  # the update goes onto every case, or onto none
            raise result
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
            "facts": [
                ("Affected", affected),
                ("Master case", master.number),
                ("Posted", human(now, zone=plan_zone())),
            ],
            "link": link,
        },
        case=master,
        webhook_topic=notices.incident_topic(incident),
        payload={
            "incident": {"id": incident.pk, "title": incident.title, "state": state, "url": link},
            "update": {"id": update.pk, "at": now.isoformat(), "body": body, "impacts": impacts},
        },
        once=once,
    )
    versions.changed()
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
    case_actions.require_staff(by, Ability.MASTER_CASES)
    body = checks.text(body, "update")
    with transaction.atomic():
        master = case_actions.lock(master)
        incident = _incident_of(master)
        if not incident.is_active:
            raise Refused("This incident is resolved.")
        state = state or incident.state
        if state not in IncidentState.values:
            raise Refused(f"Unknown state {state!r}.")
        now = clock.now()
        for platform_id, value in (impacts or {}).items():
            checks.impact(value)
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
        return _publish_update(incident, by, state, body, now)


def resolve_master(master: Case, *, by: User, note: str) -> Case:
    """Resolve the incident; every open child moves to Resolved Follow-up Required with the
    master's final note."""
    note = checks.text(note, "final note")
    with transaction.atomic():
        post_update(master, by=by, body=note, state=IncidentState.RESOLVED)
        for child in Case.objects.filter(master_link__master=master).order_by("id"):
            if child.is_open and child.status != Status.RESOLVED.value:
                case_actions.transition(
                    child,
                    to=Status.RESOLVED.value,
                    by=by,
                    note=f"Resolved with master case {master.number}:\n\n{note}",
                    under=Ability.MASTER_CASES,
                )
        master = Case.objects.get(pk=master.pk)
        if master.status != Status.RESOLVED.value:
            master = case_actions.transition(
                master, to=Status.RESOLVED.value, by=by, note=note, under=Ability.MASTER_CASES
            )
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
                case_actions.record(
                    case,
                    None,
                    Actor.SYSTEM,
                    CaseEvent.Kind.NOTE,
                    body=f"Hourly update due {local:%H:%M %Z} was missed; escalated.",
                    public=False,
                )
                counts["escalated"] += 1
    return counts
