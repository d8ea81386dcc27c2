"""What every case action shares: the row lock, the timeline entry, the text and staff
checks. Public so that the actions of other subjects (master cases, escalation, sweeps)
use these and never write a case themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from casedesk.accounts.models import Contact, User
from casedesk.accounts.permissions import actor_for, customer_contact, user_of
from casedesk.cases import clocks, notices
from casedesk.cases.attachments import Upload, check_upload
from casedesk.cases.models import Attachment, Case, CaseEvent
from casedesk.core import clock
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.rules.lifecycle import Actor

TITLE_MAX = 200
BODY_MAX = 100_000

Who = User | Contact  # a Contact acts without a login, e.g. by e-mail


def lock(case: Case) -> Case:
    """The case row, re-read under a row lock (PostgreSQL) inside the caller's transaction."""
    return Case.objects.select_for_update().get(pk=case.pk)


def lock_many(pks: Sequence[int]) -> dict[int, Case]:
    """The case rows, re-read under row locks taken in key order (no deadlock between two
    batches), inside the caller's transaction."""
    rows = Case.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    locked = {case.pk: case for case in rows}
    missing = set(pks) - set(locked)
    if missing:
        raise NotFound("No such case.")
    return locked


def event(
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


def record(
    case: Case, by: Who | None, actor: Actor, kind: str, *, origin: Any = None, **fields: Any
) -> CaseEvent:
    """Write a timeline entry (see `event` for its fields); the case's stored clocks and
    the notices it calls for follow in the same transaction. `origin`: the inbound
    message that caused it, which its notices answer."""
    entry = event(case, by, actor, kind, **fields)
    entry.save(force_insert=True)
    clocks.refresh(case, entry.at)
    notices.case_events([(entry, origin)])
    return entry


def clean_text(value: str, what: str, *, required: bool, limit: int) -> str:
    """The text as stored (trimmed), or a refusal saying what is missing or too long."""
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"The {what} is required.")
    if len(value) > limit:
        raise Refused(f"The {what} is {len(value)} characters long; at most {limit} are allowed.")
    return value


def require_staff(by: Who | None) -> None:
    if by is None or actor_for(by) != Actor.STAFF:
        raise Forbidden("Only support staff may do this.")


def require_own(case: Case, by: Who) -> None:
    """A customer acts only on their own organisation's cases: another's answers 404."""
    contact = customer_contact(by)
    if contact is None or contact.organisation_id != case.organisation_id:
        raise NotFound("No such case.")


def check_assignee(assignee: User | None) -> None:
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise Refused("Cases are assigned to active support staff only.")


def raw(value: Any) -> Any:
    """A value as the timeline stores it: raw, never a display label (an enum's value, a
    related row's key, a case's number, a moment in ISO form)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Case):
        return value.number
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "value"):  # an enum member
        return value.value
    return value


def apply(case: Case, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set fields on the case; return {field: [old, new]} (raw values) for those that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(case, field)
        if old != new:
            changes[field] = [raw(old), raw(new)]
            setattr(case, field, new)
    return changes


def change_fields(
    case: Case,
    values: dict[str, Any],
    *,
    by: Who | None,
    actor: Actor,
    public: bool,
    body: str = "",
    origin: Any = None,
) -> Case:
    """Set fields under the row lock; audit what changed (nothing changed: no event)."""
    with transaction.atomic():
        case = lock(case)
        changes = apply(case, values)
        if changes:
            case.updated_at = clock.now()
            case.save()
            record(
                case,
                by,
                actor,
                CaseEvent.Kind.CHANGE,
                body=body,
                changes=changes,
                public=public,
                origin=origin,
            )
    return case


def store_attachments(
    case: Case, entry: CaseEvent | None, by: Who | None, uploads: Sequence[Upload], public: bool
) -> list[Attachment]:
    checked = [(upload, *check_upload(upload)) for upload in uploads]  # refuse before writing
    stored = []
    for upload, name, content_type in checked:
        attachment = Attachment(
            case=case,
            event=entry,
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


def mpoc_refusal(contact: Contact) -> str:
    names = [f"{c.name} <{c.email}>" for c in contact.organisation.mpocs()]
    who = ", ".join(names) if names else "no one yet; ask your account manager to name them"
    return (
        f"Only the main points of contact of {contact.organisation.name} may open support "
        f"cases. Please ask one of them to open it: {who}."
    )
