"""Opening cases: one at a time or many together, through the same checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Organisation, Platform, Team, User
from casedesk.accounts.permissions import actor_for, customer_contact, user_of
from casedesk.cases import clocks, notices
from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.models import Attachment, Case, CaseEvent, Channel, Kind, Priority
from casedesk.core import bulk, clock
from casedesk.core.errors import Forbidden, Refused
from casedesk.core.prepared import Prepared
from casedesk.core.uploads import Upload, check_upload
from casedesk.rules import lifecycle, triage
from casedesk.rules.lifecycle import Actor, Status
from casedesk.rules.permissions import Ability
from casedesk.search import index as search_index


@dataclass
class Opening:
    """One case to open (`open_cases`). Customers open for themselves as P4 awaiting
    triage; staff open for a caller (an MPOC they choose) and may disposition at once."""

    by: Who
    title: str
    channel: str
    description: str = ""
    contact: Contact | None = None
    platform: Platform | None = None
    priority: str | None = None
    team: Team | None = None
    assignee: User | None = None
    uploads: Sequence[Upload] = ()
    follow_up_of: Case | None = None
    # The system's round robin (e-mail intake): recorded as its own entry after the
    # opening, as `route` does; the case stays in the triage queue.
    routed_to: User | None = None
    route_note: str = ""
    origin: Any = None  # what caused it (an inbound e-mail): its notices answer that
    sender_verified: bool | None = None  # from an e-mail: whether its sender was verified
    # A master case (P1G) for an issue affecting several organisations: staff only, for
    # the provider's own contact, worked at once (In-Progress, owned by `by`).
    master: bool = False
    # A MACD request (`casedesk.macd` opens these): its service level, its approval state
    # as it opens, and the team the intake rule gives it (the 24x7 team after hours).
    kind: str = Kind.SUPPORT
    service_level: str = ""
    approval: str = ""
    route_team: Team | None = None
    # What a customer must hold to open it: a billing question is opened by whoever may see
    # the invoices (financial contacts), not only by those who open support cases.
    customer_ability: Ability = Ability.OPEN_CASE


@dataclass(frozen=True)
class Opened:
    case: Case
    event: CaseEvent  # the "opened" entry of its timeline
    # Its whole timeline and attachments as written, so a caller shows the new case without
    # reading back what was just inserted.
    timeline: tuple[CaseEvent, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class _Checked:
    opening: Opening
    actor: Actor
    contact: Contact
    title: str
    description: str
    priority: str | None
    team: Team | None
    assignee: User | None


def _check_opening(op: Opening, offered: set[tuple[int, int]]) -> _Checked:
    """The plan's rules for opening a case; `offered` holds (organisation, platform) pairs."""
    actor = actor_for(op.by)
    if op.channel not in Channel.values:
        raise Refused(f"Unknown channel {op.channel!r}.")
    if op.kind not in Kind.values or (op.kind == Kind.MACD) != bool(op.service_level and op.approval):
        raise Refused(
            "A MACD request needs its service level and approval state; a support case has neither."
        )
    contact, priority, team, assignee = op.contact, op.priority, op.team, op.assignee
    if op.master:
        return _check_master(op, actor)
    if actor == Actor.CUSTOMER:
        contact = customer_contact(op.by)
        priority, team, assignee = None, None, None
        permissions.require(op.by, op.customer_ability)
    elif contact is None:
        raise Refused("Choose the customer contact the case is opened for.")
    else:
        base.require_staff(op.by, Ability.OPEN_FOR_CALLER)
    assert contact is not None
    if not contact.active or not contact.organisation.active:
        raise Refused(f"{contact.name} is no longer an active contact.")
    if not permissions.can(contact, op.customer_ability):
        raise Forbidden(base.mpoc_refusal(contact))  # the caller must be someone who may open cases
    platform = op.platform
    if platform is not None and not (platform.active and (contact.organisation_id, platform.pk) in offered):
        raise Refused(f"{contact.organisation.name} has no service on the platform {platform.name}.")
    if priority is not None:
        priority = permissions.check_priority(op.by, priority)
    if team is not None or assignee is not None:
        permissions.require(op.by, Ability.ROUTE)
    base.check_assignee(assignee)
    base.check_assignee(op.routed_to)
    title = base.clean_text(op.title, "title", required=True, limit=base.TITLE_MAX, single_line=True)
    description = base.clean_text(op.description, "description", required=False, limit=base.BODY_MAX)
    for upload in op.uploads:
        check_upload(upload)
    return _Checked(op, actor, contact, title, description, priority, team, assignee)


def _check_master(op: Opening, actor: Actor) -> _Checked:
    base.require_staff(op.by, Ability.MASTER_CASES)
    if op.contact is None:
        raise Refused("A master case needs the provider's contact.")
    assert isinstance(op.by, User)
    title = base.clean_text(op.title, "title", required=True, limit=base.TITLE_MAX, single_line=True)
    description = base.clean_text(op.description, "first public update", required=True, limit=base.BODY_MAX)
    team = op.team or (op.platform.team if op.platform else None)
    return _Checked(op, actor, op.contact, title, description, Priority.P1G.value, team, op.by)


# Asked for every case opened with a platform: built once per process (`core.prepared`).
_OFFERED: Prepared[tuple[int, int]] = Prepared(
    lambda organisations, platforms: Organisation.platforms.through.objects.filter(
        organisation_id__in=organisations, platform_id__in=platforms
    ).values_list("organisation_id", "platform_id"),
    warm=[[0], [0]],
)


def _offered(openings: Sequence[Opening]) -> set[tuple[int, int]]:
    """Which of the asked-for platforms each organisation has, in one query."""
    wanted: set[int] = set()
    platforms: set[int] = set()
    for op in openings:
        # As `_check_opening` decides: a customer opens for themselves, staff for `contact`.
        contact = customer_contact(op.by) or op.contact
        if op.platform is not None and contact is not None and not op.master:
            wanted.add(contact.organisation_id)
            platforms.add(op.platform.pk)
    if not wanted:
        return set()
    return set(_OFFERED(sorted(wanted), sorted(platforms)))


def open_cases(openings: Sequence[Opening]) -> list[Opened | Refused]:
    """Open several cases in one transaction: one insert of the cases, one of their timeline
    entries, their clocks computed from those entries before the insert, and their notices
    queued together. Each opening is checked on its own; a refused one is returned as its
    `Refused` and the others still open."""
    offered = _offered(openings)
    results: list[Opened | Refused | None] = []
    checked: list[tuple[int, _Checked]] = []
    for op in openings:
        try:
            checked.append((len(results), _check_opening(op, offered)))
            results.append(None)
        except Refused as exc:
            results.append(exc)
    if not checked:
        return [r for r in results if r is not None]
    now = clock.now()
    # All or nothing, within the caller's transaction if there is one (no savepoint: an
    # error here undoes the caller's work too, which no caller carries on after).
    with transaction.atomic(savepoint=False):
        cases: list[Case] = []
        timelines: list[list[CaseEvent]] = []
        deadlines = []
        for _, c in checked:
            op = c.opening
            start = triage.start(
                by_staff=c.actor == Actor.STAFF,
                priority=triage.Priority(c.priority) if c.priority else None,
                master=op.master,
            )
            case = bulk.new(
                Case,
                kind=op.kind,
                approval=op.approval,
                organisation=c.contact.organisation,
                contact=c.contact,
                platform=op.platform,
                title=c.title,
                description=c.description,
                priority=start.priority.value,
                status=(Status.IN_PROGRESS if op.master else Status.NEW).value,
                channel=op.channel,
                team=c.team or op.route_team or (op.platform.team if op.platform else None),
                assignee=c.assignee,
                needs_triage=start.needs_triage,
                created_by=user_of(op.by),
                opened_at=now,
                updated_at=now,
                follow_up_of=op.follow_up_of,
            )
            opened_with: dict[str, list[Any]] = {"priority": [None, case.priority]}
            if op.kind == Kind.MACD:
                opened_with |= {"kind": [None, op.kind], "service_level": [None, op.service_level]}
                opened_with["approval"] = [None, op.approval]
            timeline = [
                base.event(
                    case,
                    op.by,
                    c.actor,
                    CaseEvent.Kind.CREATED,
                    body=c.description,
                    at=now,
                    changes=opened_with,
                    public=not op.master,  # a master case's public face is its incident
                    sender_verified=op.sender_verified,
                )
            ]
            if op.routed_to is not None and case.assignee_id is None:
                changes = base.apply(case, {"assignee": op.routed_to})
                timeline.append(
                    base.event(
                        case,
                        None,
                        Actor.SYSTEM,
                        CaseEvent.Kind.CHANGE,
                        body=op.route_note,
                        changes=changes,
                        public=False,
                        at=now,
                    )
                )
            picked = lifecycle.on_assignment(case.status_enum) if c.assignee is not None else None
            if picked is not None:  # opened for a caller and given to someone: picked up already
                changes = base.move(case, picked, c.actor, now)
                timeline.append(
                    base.event(case, op.by, c.actor, CaseEvent.Kind.STATUS, changes=changes, at=now)
                )
            # A new case's clocks follow from its own entries: stored with the insert.
            d, values, _ = clocks.compute(case, now, events=timeline)
            for key, value in values.items():
                setattr(case, key, value)
            cases.append(case)
            timelines.append(timeline)
            deadlines.append(d)
        bulk.insert(cases)
        bulk.insert([event for timeline in timelines for event in timeline])
        search_index.refresh(case.pk for case in cases)
        for (index, c), case, timeline, d in zip(checked, cases, timelines, deadlines, strict=True):
            stored = []
            if c.opening.uploads:
                stored = base.store_attachments(
                    case, timeline[0], c.opening.by, c.opening.uploads, public=True
                )
            clocks.store_breaches(case, d)
            results[index] = Opened(case, timeline[0], tuple(timeline), tuple(stored))
        notices.case_events(
            [
                (event, c.opening.origin)
                for (_, c), timeline in zip(checked, timelines, strict=True)
                for event in timeline
            ]
        )
    return [r for r in results if r is not None]


def open_case(
    *,
    by: Who,
    title: str,
    description: str = "",
    channel: str,
    contact: Contact | None = None,
    platform: Platform | None = None,
    priority: str | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    uploads: Sequence[Upload] = (),
    follow_up_of: Case | None = None,
    origin: Any = None,
    sender_verified: bool | None = None,
) -> Case:
    """Open one case (see `Opening`); a refusal is raised."""
    opening = Opening(
        by=by,
        title=title,
        description=description,
        channel=channel,
        contact=contact,
        platform=platform,
        priority=priority,
        team=team,
        assignee=assignee,
        uploads=uploads,
        follow_up_of=follow_up_of,
        origin=origin,
        sender_verified=sender_verified,
    )
    return open_one(opening).case


def open_master(*, by: User, contact: Contact, title: str, body: str, platform: Platform | None) -> Opened:
    """Open a master case (P1G) for the provider's `contact` (see `Opening.master`)."""
    opening = Opening(
        by=by,
        contact=contact,
        title=title,
        description=body,
        channel=Channel.PHONE,
        platform=platform,
        master=True,
    )
    return open_one(opening)


def open_one(opening: Opening) -> Opened:
    """Open one case (`open_cases` with one item); a refusal is raised."""
    result = open_cases([opening])[0]
    if isinstance(result, Refused):
        raise result
    return result
