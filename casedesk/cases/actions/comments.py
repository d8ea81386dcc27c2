"""The conversation on a case: public comments and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.permissions import actor_for
from casedesk.cases import clocks, notices
from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.models import Case, CaseEvent
from casedesk.core import bulk, clock
from casedesk.core.errors import Refused
from casedesk.core.uploads import Upload, check_upload
from casedesk.outbox.recipients import Once
from casedesk.rules import lifecycle
from casedesk.rules.lifecycle import Actor, Status
from casedesk.rules.permissions import Ability
from casedesk.search import index as search_index


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
    sender_verified: bool | None = None  # from an e-mail: whether its sender was verified


def add_comments(comments: Sequence[Comment], *, once: Once | None = None) -> list[CaseEvent | Refused]:
    """Add several comments in one transaction: the cases locked together (in key order),
    one insert of the entries, each case's clocks replayed once from one read of the
    timelines, and the notices queued together. A refused comment is returned as its
    `Refused`; the others are still added. `once`: when the comments share one cause (a
    master-case update on every child), the addresses written to for it, so that someone
    on several of the cases hears once."""
    results: list[CaseEvent | Refused | None] = []
    checked: list[tuple[int, Comment, Actor, str]] = []
    for comment in comments:
        try:
            actor = actor_for(comment.by)
            if actor == Actor.CUSTOMER:
                base.require_ability(comment.case, comment.by, Ability.COMMENT)
            else:
                permissions.require(comment.by, Ability.COMMENT if comment.public else Ability.INTERNAL_NOTE)
            body = base.clean_text(comment.body, "comment", required=not comment.uploads, limit=base.BODY_MAX)
            for upload in comment.uploads:
                check_upload(upload)
        except Refused as exc:
            results.append(exc)
            continue
        checked.append((len(results), comment, actor, body))
        results.append(None)
    if not checked:
        return [r for r in results if r is not None]
    # All or nothing, within the caller's transaction if there is one (no savepoint, as in
    # `open_cases`).
    with transaction.atomic(savepoint=False):
        locked = base.lock_many([c.case.pk for _, c, _, _ in checked])
        now = clock.now()
        written: list[tuple[int, Comment, CaseEvent]] = []
        touched: dict[int, set[str]] = {}
        events: list[CaseEvent] = []
        origins: dict[int, Any] = {}  # id(entry): the inbound message its notices answer
        for index, comment, actor, body in checked:
            case = locked[comment.case.pk]
            public = True if actor == Actor.CUSTOMER else comment.public
            if actor == Actor.CUSTOMER and not case.is_open:
                results[index] = Refused(f"{case.number} is {case.status_label}. Ask to reopen it instead.")
                continue
            kind = CaseEvent.Kind.COMMENT if public else CaseEvent.Kind.NOTE
            event = base.event(
                case,
                comment.by,
                actor,
                kind,
                body=body,
                public=public,
                at=now,
                asks_customer=comment.asks_customer and public and actor == Actor.STAFF,
                sender_verified=comment.sender_verified,
            )
            events.append(event)
            origins[id(event)] = comment.origin
            written.append((index, comment, event))
            fields = touched.setdefault(case.pk, {"updated_at"})
            if actor == Actor.STAFF and public and case.status == Status.NEW.value:
                # The first public answer from staff means someone is working the case.
                started = base.event(
                    case,
                    comment.by,
                    actor,
                    CaseEvent.Kind.STATUS,
                    at=now,
                    changes={"status": [Status.NEW.value, Status.IN_PROGRESS.value]},
                )
                events.append(started)
                origins[id(started)] = comment.origin
                case.status = Status.IN_PROGRESS.value
                fields.add("status")
            elif actor == Actor.CUSTOMER:
                resumed = _resume_on_reply(case, comment, now)
                if resumed is not None:
                    events.append(resumed)
                    origins[id(resumed)] = comment.origin
                    fields.add("status")
            case.updated_at = now
        if not events:
            return [r for r in results if r is not None]
        bulk.insert(events)
        search_index.refresh(touched, comments_only=True)
        for index, comment, event in written:
            public = event.public
            base.store_attachments(event.case, event, comment.by, comment.uploads, public=public)
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
        notices.case_events([(event, origins.get(id(event))) for event in events], once=once)
    return [r for r in results if r is not None]


def _resume_on_reply(case: Case, comment: Comment, now: datetime) -> CaseEvent | None:
    """A customer's reply to a resolution says the work is not done: the (locked) case goes
    back where the lifecycle rules send it, as the customer's move, whichever the channel."""
    target = lifecycle.after_customer_reply(case.status_enum)
    if target is None:
        return None
    try:
        changes = base.move(case, target, Actor.CUSTOMER, now)
    except Refused:
        return None  # the comment still goes in; the rules keep the case where it is
    return base.event(case, comment.by, Actor.CUSTOMER, CaseEvent.Kind.STATUS, at=now, changes=changes)


def add_comment(
    case: Case,
    *,
    by: Who,
    body: str,
    public: bool = True,
    uploads: Sequence[Upload] = (),
    asks_customer: bool = False,
    origin: Any = None,
    sender_verified: bool | None = None,
) -> CaseEvent:
    """One comment (see `Comment`); a refusal is raised."""
    comment = Comment(
        case=case,
        by=by,
        body=body,
        public=public,
        uploads=uploads,
        asks_customer=asks_customer,
        origin=origin,
        sender_verified=sender_verified,
    )
    result = add_comments([comment])[0]
    if isinstance(result, Refused):
        raise result
    return result
