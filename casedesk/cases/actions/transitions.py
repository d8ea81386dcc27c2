"""Status moves: by customers, staff and the system, and the customer's reopen request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.permissions import actor_for, customer_contact
from casedesk.cases import clocks, confirmation, notices
from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.actions.comments import add_comment
from casedesk.cases.actions.opening import open_case
from casedesk.cases.models import Case, CaseEvent, Channel
from casedesk.core import bulk, clock
from casedesk.core.errors import NotFound, Refused
from casedesk.rules import lifecycle
from casedesk.rules import permissions as rules
from casedesk.rules.lifecycle import Actor, ReopenOutcome, Status
from casedesk.rules.permissions import Ability


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
    origin: Any = None,
    under: Ability = Ability.WORK_CASE,
) -> Case:
    """Move a case to another status, if the plan allows `by` to; `by=None` is the system.
    `actor` other than who `by` is: staff recording a caller's request (`request_reopen`,
    which checked it). `under`: the staff ability the move is made with (a master case's
    children move with it under the master-case ability, whatever their team)."""
    who = Actor.SYSTEM if by is None else actor_for(by)
    if actor is None:
        actor = who
    if who == Actor.CUSTOMER:
        assert by is not None
        base.require_own(case, by)
    try:
        target = Status(to)
    except ValueError:
        raise Refused(f"Unknown status {to!r}.") from None
    if who == Actor.CUSTOMER:
        permissions.require(by, rules.customer_move_needs(target))
    elif who == Actor.STAFF and actor == Actor.STAFF:
        permissions.require(by, under)
    note = base.clean_text(note, "note", required=False, limit=base.BODY_MAX)
    resolution = base.clean_text(resolution, "resolution note", required=False, limit=base.BODY_MAX)
    tracking_number = base.clean_text(
        tracking_number, "tracking number", required=False, limit=80, single_line=True
    )
    with transaction.atomic():
        case = base.lock(case)
        if who == Actor.STAFF and actor == Actor.STAFF:
            permissions.require_for_case(by, under, case)  # its team as it is now
            base.require_workable(case, closing=target in lifecycle.CLOSED_STATUSES)
        now = clock.now()
        changes = base.move(
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
        base.record(case, by, actor, CaseEvent.Kind.STATUS, body=note, changes=changes, origin=origin)
    return case


CONFIRMED = "The customer confirmed the resolution."


def confirm_resolution(case: Case, *, by: Who, resolved_by: int | None = None, origin: Any = None) -> Case:
    """The customer confirms a resolution and the case closes: the portal's button and the
    link of the resolution notice alike. `resolved_by`: the timeline entry a link was made
    for, checked again under the row lock, so that a link works once."""
    with transaction.atomic():
        locked = base.lock(case)
        if resolved_by is not None and confirmation.resolution_entry(locked) != resolved_by:
            raise NotFound("This link cannot be used.")
        return transition(locked, to=Status.CLOSED.value, by=by, note=CONFIRMED, origin=origin)


def system_transitions(locked: Sequence[Case], *, to: str, note: str) -> list[Case | Refused]:
    """The system (sweeps) moves several cases, locked by the caller in its transaction, to
    `to`: each asked of the rules on its own (a refused one comes back as its `Refused`),
    the timeline entries inserted together, each case's clocks replayed once, the rows and
    the notices written with one statement each."""
    target = Status(to)
    note = base.clean_text(note, "note", required=False, limit=base.BODY_MAX)
    now = clock.now()
    results: list[Case | Refused] = []
    moved: list[tuple[Case, dict[str, list[Any]]]] = []
    for case in locked:
        try:
            changes = base.move(case, target, Actor.SYSTEM, now, note=note)
        except Refused as exc:
            results.append(exc)
            continue
        moved.append((case, changes))
        results.append(case)
    if not moved:
        return results
    events = [
        base.event(case, None, Actor.SYSTEM, CaseEvent.Kind.STATUS, body=note, changes=changes, at=now)
        for case, changes in moved
    ]
    bulk.insert(events)
    clock_values = clocks.refresh_many([case for case, _ in moved], now)
    rows = []
    for case, changes in moved:
        values = {name: getattr(case, name) for name in {*changes, "status", "updated_at"}}
        rows.append((case.pk, {**values, **clock_values[case.pk]}))
    bulk.update_rows(Case, rows)
    notices.case_events([(event, None) for event in events])
    return results


def request_reopen(
    case: Case,
    *,
    by: Who,
    note: str = "",
    channel: str | None = None,
    origin: Any = None,
    sender_verified: bool | None = None,
) -> tuple[ReopenOutcome, Case]:
    """A customer's request to reopen (portal, phone, chat or a reply to a case email).

    Within the reopen window a closed case becomes Customer Re-opened; later, or after
    Closed No Response or Duplicate, a new case is opened and related to the original.
    Staff may record the request for a caller; the rule is the customer's either way.
    `sender_verified`: for a request by e-mail, whether its sender was verified (marks the
    comment or the follow-up it writes).
    """
    customer = actor_for(by) == Actor.CUSTOMER
    if customer:
        base.require_own(case, by)
    else:
        base.require_staff(by, Ability.OPEN_FOR_CALLER)
    note = base.clean_text(note, "reason", required=False, limit=base.BODY_MAX)
    with transaction.atomic():
        case = base.lock(case)  # decide on the status as it is now, not as the caller last saw it
        outcome = lifecycle.reopen_outcome(
            case.status_enum, case.closed_at, clock.now(), settings.CASEDESK_REOPEN_DAYS
        )
        if customer:
            permissions.require(by, rules.reopen_request_needs(outcome))
        if outcome == ReopenOutcome.ALREADY_OPEN:
            if note:
                add_comment(case, by=by, body=note, origin=origin, sender_verified=sender_verified)
            return outcome, case
        if outcome in (ReopenOutcome.REOPEN, ReopenOutcome.RESUME):
            target = Status.CUSTOMER_REOPENED if outcome == ReopenOutcome.REOPEN else Status.IN_PROGRESS
            return outcome, transition(
                case,
                to=target.value,
                by=by,
                note=note or "The customer asked to reopen the case.",
                actor=Actor.CUSTOMER,
                origin=origin,
            )
        return outcome, _open_follow_up(case, by, note, channel, origin, sender_verified)


def _open_follow_up(
    case: Case, by: Who, note: str, channel: str | None, origin: Any, sender_verified: bool | None = None
) -> Case:
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
            title=f"Follow-up: {case.title}"[: base.TITLE_MAX],
            description=body,
            channel=channel or (Channel.PHONE if actor_for(by) == Actor.STAFF else Channel.PORTAL),
            follow_up_of=case,
            origin=origin,
            sender_verified=sender_verified,
        )
        follow_up.related.add(case)
        base.record(
            case,
            by,
            Actor.CUSTOMER,
            CaseEvent.Kind.LINK,
            body=f"The customer asked to reopen; follow-up case {follow_up.number} was opened.",
            changes={"follow_up": [None, follow_up.number]},
            origin=origin,
        )
    return follow_up
