"""Every write to a case. Views, API, email, chat and sweeps all call these.

Each action runs in one transaction, locks the case row, asks `rules.lifecycle`, writes,
and appends to the timeline, so a rule holds whichever channel asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from casedesk.accounts.models import Contact, Organisation, Platform, Team, User
from casedesk.accounts.permissions import actor_for, customer_contact, user_of
from casedesk.cases.attachments import Upload, check_upload
from casedesk.cases.models import Attachment, Case, CaseEvent, Channel, Priority
from casedesk.core import bulk, clock
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.mail import notify
from casedesk.rules import lifecycle
from casedesk.rules.lifecycle import Actor, ReopenOutcome, Status, TransitionRefused
from casedesk.sla import clocks

TITLE_MAX = 200
BODY_MAX = 100_000
STAFF_PRIORITIES = {Priority.P1, Priority.P2, Priority.P3, Priority.P4}


def _lock(case: Case) -> Case:
    """The case row, re-read under a row lock (PostgreSQL) inside the caller's transaction."""
    return Case.objects.select_for_update().get(pk=case.pk)


Who = User | Contact  # a Contact acts without a login, e.g. by e-mail


def _event(
    case: Case,
    by: Who | None,
    actor: Actor,
    kind: str,
    *,
    body: str = "",
    changes: dict[str, list[Any]] | None = None,
    public: bool = True,
    at: datetime | None = None,
    asks_customer: bool = False,
) -> CaseEvent:
    """A timeline entry, not yet saved."""
    return CaseEvent(
        case=case,
        at=at or clock.now(),
        actor=user_of(by),
        contact=customer_contact(by) if actor == Actor.CUSTOMER else None,
        actor_kind=actor.value,
        kind=kind,
        public=public,
        body=body,
        changes=changes or {},
        asks_customer=asks_customer,
    )


def _record(case: Case, by: Who | None, actor: Actor, kind: str, **fields: Any) -> CaseEvent:
    """Write a timeline entry (see `_event` for its fields); the case's stored clocks and
    the notices it calls for follow in the same transaction."""
    event = _event(case, by, actor, kind, **fields)
    event.save(force_insert=True)
    clocks.refresh(case, event.at)
    notify.case_event(event)
    return event


def _text(value: str, what: str, *, required: bool, limit: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"The {what} is required.")
    if len(value) > limit:
        raise Refused(f"The {what} is {len(value)} characters long; at most {limit} are allowed.")
    return value


def _store_attachments(
    case: Case, event: CaseEvent | None, by: Who | None, uploads: Sequence[Upload], public: bool
) -> list[Attachment]:
    checked = [(upload, *check_upload(upload)) for upload in uploads]  # refuse before writing
    stored = []
    for upload, name, content_type in checked:
        attachment = Attachment(
            case=case,
            event=event,
            name=name,
            content_type=content_type,
            size=upload.size,
            sha256=upload.sha256,
            public=public,
            uploaded_by=user_of(by),
            created_at=clock.now(),
        )
        attachment.file.save(name, ContentFile(upload.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _display(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Case):
        return value.number
    if hasattr(value, "pk"):
        return str(value)
    return value


def _apply(case: Case, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set fields on the case; return {field: [old, new]} for those that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(case, field)
        if old != new:
            changes[field] = [_display(old), _display(new)]
            setattr(case, field, new)
    return changes


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise Refused("Cases are assigned to active support staff only.")


def _change_fields(
    case: Case, values: dict[str, Any], *, by: Who | None, actor: Actor, public: bool, body: str = ""
) -> Case:
    """Set fields under the row lock; audit what changed (nothing changed: no event)."""
    with transaction.atomic():
        case = _lock(case)
        changes = _apply(case, values)
        if changes:
            case.updated_at = clock.now()
            case.save()
            _record(case, by, actor, CaseEvent.Kind.CHANGE, body=body, changes=changes, public=public)
    return case


def mpoc_refusal(contact: Contact) -> str:
    names = [f"{c.name} <{c.email}>" for c in contact.organisation.mpocs()]
    who = ", ".join(names) if names else "no one yet; ask your account manager to name them"
    return (
        f"Only the main points of contact of {contact.organisation.name} may open support "
        f"cases. Please ask one of them to open it: {who}."
    )


# --- opening -------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Opened:
    case: Case
    event: CaseEvent  # the "opened" entry of its timeline


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
    contact, priority, team, assignee = op.contact, op.priority, op.team, op.assignee
    if actor == Actor.CUSTOMER:
        contact = customer_contact(op.by)
        priority, team, assignee = None, None, None
    elif contact is None:
        raise Refused("Choose the customer contact the case is opened for.")
    assert contact is not None
    if not contact.active or not contact.organisation.active:
        raise Refused(f"{contact.name} is no longer an active contact.")
    if not contact.is_mpoc:
        raise Forbidden(mpoc_refusal(contact))
    platform = op.platform
    if platform is not None and not (platform.active and (contact.organisation_id, platform.pk) in offered):
        raise Refused(f"{contact.organisation.name} has no service on the platform {platform.name}.")
    if priority is not None and priority not in STAFF_PRIORITIES:
        raise Refused(
            "P1G is reserved for master cases." if priority == Priority.P1G else "Unknown priority."
        )
    _check_assignee(assignee)
    _check_assignee(op.routed_to)
    title = _text(op.title, "title", required=True, limit=TITLE_MAX)
    description = _text(op.description, "description", required=False, limit=BODY_MAX)
    for upload in op.uploads:
        check_upload(upload)
    return _Checked(op, actor, contact, title, description, priority, team, assignee)


def _offered(openings: Sequence[Opening]) -> set[tuple[int, int]]:
    """Which of the asked-for platforms each organisation has, in one query."""
    wanted: set[int] = set()
    platforms: set[int] = set()
    for op in openings:
        # As `_check_opening` decides: a customer opens for themselves, staff for `contact`.
        contact = customer_contact(op.by) or op.contact
        if op.platform is not None and contact is not None:
            wanted.add(contact.organisation_id)
            platforms.add(op.platform.pk)
    if not wanted:
        return set()
    through = Organisation.platforms.through
    return set(
        through.objects.filter(organisation_id__in=wanted, platform_id__in=platforms).values_list(
            "organisation_id", "platform_id"
        )
    )


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
    with transaction.atomic():
        cases: list[Case] = []
        timelines: list[list[CaseEvent]] = []
        deadlines = []
        for _, c in checked:
            op = c.opening
            case = Case(
                organisation=c.contact.organisation,
                contact=c.contact,
                platform=op.platform,
                title=c.title,
                description=c.description,
                priority=c.priority or Priority.P4,
                status=Status.NEW.value,
                channel=op.channel,
                team=c.team or (op.platform.team if op.platform else None),
                assignee=c.assignee,
                needs_triage=c.priority is None,
                created_by=user_of(op.by),
                opened_at=now,
                updated_at=now,
                follow_up_of=op.follow_up_of,
            )
            timeline = [
                _event(
                    case,
                    op.by,
                    c.actor,
                    CaseEvent.Kind.CREATED,
                    body=c.description,
                    at=now,
                    changes={"priority": [None, case.priority]},
                )
            ]
            if op.routed_to is not None and case.assignee_id is None:
                changes = _apply(case, {"assignee": op.routed_to})
                timeline.append(
                    _event(
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
            # A new case's clocks follow from its own entries: stored with the insert.
            d, values, _ = clocks.compute(case, now, events=timeline)
            for key, value in values.items():
                setattr(case, key, value)
            cases.append(case)
            timelines.append(timeline)
            deadlines.append(d)
        bulk.insert(cases)
        bulk.insert([event for timeline in timelines for event in timeline])
        for (index, c), case, timeline, d in zip(checked, cases, timelines, deadlines, strict=True):
            if c.opening.uploads:
                _store_attachments(case, timeline[0], c.opening.by, c.opening.uploads, public=True)
            clocks.store_breaches(case, d)
            results[index] = Opened(case, timeline[0])
        notify.case_events(
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
    )
    result = open_cases([opening])[0]
    if isinstance(result, Refused):
        raise result
    return result.case


# --- conversation --------------------------------------------------------------------


@dataclass
class Comment:
    """A public comment (customers, staff) or an internal note (staff only)."""

    case: Case
    by: Who
    body: str
    public: bool = True
    uploads: Sequence[Upload] = ()
    asks_customer: bool = False
    origin: Any = None  # what caused it (an inbound e-mail): its notices answer that


def add_comments(comments: Sequence[Comment]) -> list[CaseEvent | Refused]:
    """Add several comments in one transaction: the cases locked together (in key order),
    one insert of the entries, each case's clocks replayed once from one read of the
    timelines, and the notices queued together. A refused comment is returned as its
    `Refused`; the others are still added."""
    results: list[CaseEvent | Refused | None] = []
    checked: list[tuple[int, Comment, Actor, str]] = []
    for comment in comments:
        try:
            actor = actor_for(comment.by)
            if actor == Actor.CUSTOMER:
                _require_own(comment.case, comment.by)
            body = _text(comment.body, "comment", required=not comment.uploads, limit=BODY_MAX)
            for upload in comment.uploads:
                check_upload(upload)
        except Refused as exc:
            results.append(exc)
            continue
        checked.append((len(results), comment, actor, body))
        results.append(None)
    if not checked:
        return [r for r in results if r is not None]
    with transaction.atomic():
        locked = _lock_many([c.case.pk for _, c, _, _ in checked])
        now = clock.now()
        written: list[tuple[int, Comment, CaseEvent]] = []
        touched: dict[int, set[str]] = {}
        events: list[CaseEvent] = []
        for index, comment, actor, body in checked:
            case = locked[comment.case.pk]
            public = True if actor == Actor.CUSTOMER else comment.public
            if actor == Actor.CUSTOMER and not case.is_open:
                results[index] = Refused(f"{case.number} is {case.status_label}. Ask to reopen it instead.")
                continue
            kind = CaseEvent.Kind.COMMENT if public else CaseEvent.Kind.NOTE
            event = _event(
                case,
                comment.by,
                actor,
                kind,
                body=body,
                public=public,
                at=now,
                asks_customer=comment.asks_customer and public and actor == Actor.STAFF,
            )
            events.append(event)
            written.append((index, comment, event))
            fields = touched.setdefault(case.pk, {"updated_at"})
            if actor == Actor.STAFF and public and case.status == Status.NEW.value:
                # The first public answer from staff means someone is working the case.
                events.append(
                    _event(
                        case,
                        comment.by,
                        actor,
                        CaseEvent.Kind.STATUS,
                        at=now,
                        changes={"status": [Status.NEW.label, Status.IN_PROGRESS.label]},
                    )
                )
                case.status = Status.IN_PROGRESS.value
                fields.add("status")
            case.updated_at = now
        if not events:
            return [r for r in results if r is not None]
        bulk.insert(events)
        for index, comment, event in written:
            public = event.public
            _store_attachments(event.case, event, comment.by, comment.uploads, public=public)
            results[index] = event
        cases = [locked[pk] for pk in touched]
        changed = clocks.refresh_many(cases, now)
        bulk.update_rows(
            Case,
            [
                (case.pk, {**{f: getattr(case, f) for f in touched[case.pk]}, **changed.get(case.pk, {})})
                for case in cases
            ],
        )
        origins = {id(event): comment.origin for _, comment, event in written}
        notify.case_events([(event, origins.get(id(event))) for event in events])
    return [r for r in results if r is not None]


def add_comment(
    case: Case,
    *,
    by: Who,
    body: str,
    public: bool = True,
    uploads: Sequence[Upload] = (),
    asks_customer: bool = False,
) -> CaseEvent:
    """One comment (see `Comment`); a refusal is raised."""
    result = add_comments(
        [Comment(case=case, by=by, body=body, public=public, uploads=uploads, asks_customer=asks_customer)]
    )[0]
    if isinstance(result, Refused):
        raise result
    return result


def _lock_many(pks: Sequence[int]) -> dict[int, Case]:
    """The case rows, re-read under row locks taken in key order (no deadlock between two
    batches), inside the caller's transaction."""
    rows = Case.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    locked = {case.pk: case for case in rows}
    missing = set(pks) - set(locked)
    if missing:
        raise NotFound("No such case.")
    return locked


def _require_own(case: Case, by: Who) -> None:
    contact = customer_contact(by)
    if contact is None or contact.organisation_id != case.organisation_id:
        raise NotFound("No such case.")


# --- status --------------------------------------------------------------------------


def transition(
    case: Case,
    *,
    to: str,
    by: Who | None,
    note: str = "",
    hold_until: datetime | None = None,
    tracking_number: str = "",
    shipping_carrier: str = "",
    main_case: Case | None = None,
    resolution: str = "",
    actor: Actor | None = None,
) -> Case:
    """Move a case to another status, if the plan allows `by` to; `by=None` is the system."""
    if actor is None:
        actor = Actor.SYSTEM if by is None else actor_for(by)
    if actor == Actor.CUSTOMER and by is not None:
        _require_own(case, by)
    try:
        target = Status(to)
    except ValueError:
        raise Refused(f"Unknown status {to!r}.") from None
    note = _text(note, "note", required=False, limit=BODY_MAX)
    resolution = _text(resolution, "resolution note", required=False, limit=BODY_MAX)
    tracking_number = _text(tracking_number, "tracking number", required=False, limit=80)
    with transaction.atomic():
        case = _lock(case)
        now = clock.now()
        changes = _move(
            case,
            target,
            actor,
            now,
            note=note,
            hold_until=hold_until,
            tracking_number=tracking_number,
            shipping_carrier=shipping_carrier,
            main_case=main_case,
            resolution=resolution,
        )
        case.save()
        _record(case, by, actor, CaseEvent.Kind.STATUS, body=note, changes=changes)
    return case


def _move(
    case: Case,
    target: Status,
    actor: Actor,
    now: datetime,
    *,
    note: str = "",
    hold_until: datetime | None = None,
    tracking_number: str = "",
    shipping_carrier: str = "",
    main_case: Case | None = None,
    resolution: str = "",
) -> dict[str, list[Any]]:
    """Ask the rules, then set the target status and what goes with it on the (locked)
    case; returns the audit's {field: [old, new]}."""
    main_ok = None
    if main_case is not None:
        main_ok = main_case.pk != case.pk and main_case.organisation_id == case.organisation_id
    try:
        lifecycle.check_transition(
            lifecycle.TransitionRequest(
                current=case.status_enum,
                target=target,
                actor=actor,
                now=now,
                closed_at=case.closed_at,
                main_case_ok=main_ok,
                hold_until=hold_until,
                tracking_number=tracking_number,
                resolution=resolution or (note if actor != Actor.STAFF else ""),
                reopen_days=settings.CASEDESK_REOPEN_DAYS,
            )
        )
    except TransitionRefused as exc:
        raise Refused(str(exc)) from None
    values: dict[str, Any] = {"status": target.value}
    if target == Status.ON_HOLD:
        values["on_hold_until"] = hold_until
    elif case.on_hold_until is not None:
        values["on_hold_until"] = None
    if target == Status.SHIPPING:
        values["tracking_number"] = tracking_number
        if shipping_carrier:
            values["shipping_carrier"] = _text(shipping_carrier, "carrier", required=False, limit=60)
    if target == Status.DUPLICATE:
        values["duplicate_of"] = main_case
    if target == Status.CLOSED:
        values["resolution"] = resolution or note or case.resolution
    if target in lifecycle.CLOSED_STATUSES:
        values["closed_at"] = now
    elif case.closed_at is not None:
        values["closed_at"] = None
        if case.status == Status.DUPLICATE.value:
            values["duplicate_of"] = None
    old_label = case.status_label
    changes = _apply(case, values)
    changes["status"] = [old_label, target.label]
    case.updated_at = now
    return changes


def system_transitions(locked: Sequence[Case], *, to: str, note: str) -> list[Case | Refused]:
    """The system (sweeps) moves several cases, locked by the caller in its transaction, to
    `to`: each asked of the rules on its own (a refused one comes back as its `Refused`),
    the timeline entries inserted together, each case's clocks replayed once, the rows and
    the notices written with one statement each."""
    target = Status(to)
    note = _text(note, "note", required=False, limit=BODY_MAX)
    now = clock.now()
    results: list[Case | Refused] = []
    moved: list[tuple[Case, dict[str, list[Any]]]] = []
    for case in locked:
        try:
            changes = _move(case, target, Actor.SYSTEM, now, note=note)
        except Refused as exc:
            results.append(exc)
            continue
        moved.append((case, changes))
        results.append(case)
    if not moved:
        return results
    events = [
        _event(case, None, Actor.SYSTEM, CaseEvent.Kind.STATUS, body=note, changes=changes, at=now)
        for case, changes in moved
    ]
    bulk.insert(events)
    clock_values = clocks.refresh_many([case for case, _ in moved], now)
    rows = []
    for case, changes in moved:
        values = {name: getattr(case, name) for name in {*changes, "status", "updated_at"}}
        rows.append((case.pk, {**values, **clock_values[case.pk]}))
    bulk.update_rows(Case, rows)
    notify.case_events([(event, None) for event in events])
    return results


def request_reopen(
    case: Case, *, by: Who, note: str = "", channel: str | None = None
) -> tuple[ReopenOutcome, Case]:
    """A customer's request to reopen (portal, phone, chat or a reply to a case email).

    Within the reopen window a closed case becomes Customer Re-opened; later, or after
    Closed No Response or Duplicate, a new case is opened and related to the original.
    Staff may record the request for a caller; the rule is the customer's either way.
    """
    if actor_for(by) == Actor.CUSTOMER:
        _require_own(case, by)
    note = _text(note, "reason", required=False, limit=BODY_MAX)
    with transaction.atomic():
        case = _lock(case)  # decide on the status as it is now, not as the caller last saw it
        outcome = lifecycle.reopen_outcome(
            case.status_enum, case.closed_at, clock.now(), settings.CASEDESK_REOPEN_DAYS
        )
        if outcome == ReopenOutcome.ALREADY_OPEN:
            if note:
                add_comment(case, by=by, body=note)
            return outcome, case
        if outcome in (ReopenOutcome.REOPEN, ReopenOutcome.RESUME):
            target = Status.CUSTOMER_REOPENED if outcome == ReopenOutcome.REOPEN else Status.IN_PROGRESS
            return outcome, transition(
                case,
                to=target.value,
                by=by,
                note=note or "The customer asked to reopen the case.",
                actor=Actor.CUSTOMER,
            )
        return outcome, _open_follow_up(case, by, note, channel)


def _open_follow_up(case: Case, by: Who, note: str, channel: str | None) -> Case:
    contact = customer_contact(by) or case.contact
    body = (
        f"Follow-up of {case.number} ({case.status_label}"
        f"{', closed ' + case.closed_at.date().isoformat() if case.closed_at else ''}): "
        f"{case.title}\n\n{note}\n\n--- Original description ---\n{case.description}"
    ).strip()
    with transaction.atomic():
        follow_up = open_case(
            by=by,
            contact=contact,
            platform=case.platform,
            title=f"Follow-up: {case.title}"[:TITLE_MAX],
            description=body,
            channel=channel or (Channel.PHONE if actor_for(by) == Actor.STAFF else Channel.PORTAL),
            follow_up_of=case,
        )
        follow_up.related.add(case)
        _record(
            case,
            by,
            Actor.CUSTOMER,
            CaseEvent.Kind.LINK,
            body=f"The customer asked to reopen; follow-up case {follow_up.number} was opened.",
            changes={"follow_up": [None, follow_up.number]},
        )
    return follow_up


# --- staff work ----------------------------------------------------------------------


def _require_staff(by: Who) -> None:
    if actor_for(by) != Actor.STAFF:
        raise Forbidden("Only support staff may do this.")


def disposition(case: Case, *, by: Who, priority: str, team: Team | None, assignee: User | None) -> Case:
    """Staff review: set priority, team and assignee; the case leaves the triage queue."""
    _require_staff(by)
    if priority not in STAFF_PRIORITIES:
        raise Refused(
            "P1G is reserved for master cases." if priority == Priority.P1G else "Unknown priority."
        )
    _check_assignee(assignee)
    values = {"priority": priority, "team": team, "assignee": assignee, "needs_triage": False}
    return _change_fields(case, values, by=by, actor=Actor.STAFF, public=False)


def update_details(case: Case, *, by: Who, **values: Any) -> Case:
    """Staff set vendor and its ticket reference, ETR, shipping carrier and tracking."""
    _require_staff(by)
    allowed = {"vendor", "vendor_ticket", "etr", "shipping_carrier", "tracking_number", "title"}
    unknown = set(values) - allowed
    if unknown:
        raise Refused(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    limits = {"vendor": 120, "vendor_ticket": 120, "shipping_carrier": 60, "tracking_number": 80}
    for field, limit in limits.items():
        if field in values:
            values[field] = _text(values[field], field.replace("_", " "), required=False, limit=limit)
    if "title" in values:
        values["title"] = _text(values["title"], "title", required=True, limit=TITLE_MAX)
    etr = values.get("etr")
    if etr is not None and etr <= clock.now():
        raise Refused("The estimated time of resolution must be in the future.")
    return _change_fields(case, values, by=by, actor=Actor.STAFF, public=True)


def link_related(case: Case, other: Case, *, by: Who, unlink: bool = False) -> Case:
    _require_staff(by)
    if other.pk == case.pk:
        raise Refused("A case cannot be related to itself.")
    with transaction.atomic():
        case = _lock(case)
        if unlink:
            case.related.remove(other)
        else:
            case.related.add(other)
        verb = "unlinked from" if unlink else "related to"
        for one, two in ((case, other), (other, case)):
            _record(
                one,
                by,
                Actor.STAFF,
                CaseEvent.Kind.LINK,
                body=f"{verb.capitalize()} {two.number}.",
                changes={"related": [two.number, None] if unlink else [None, two.number]},
                public=False,
            )
    return case


# --- routing -------------------------------------------------------------------------


def route(case: Case, *, team: Team | None = None, assignee: User | None = None, note: str = "") -> Case:
    """The system routes a case to a team and a technician (e-mail intake's round robin);
    unlike `disposition`, the case stays in the triage queue until staff review it."""
    _check_assignee(assignee)
    values: dict[str, Any] = {}
    if team is not None:
        values["team"] = team
    if assignee is not None:
        values["assignee"] = assignee
    return _change_fields(case, values, by=None, actor=Actor.SYSTEM, public=False, body=note)
