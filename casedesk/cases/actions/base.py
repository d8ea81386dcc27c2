"""What every case action shares: the row lock, the timeline entry, the text and staff
checks. Public so that the actions of other subjects (master cases, escalation, sweeps)
use these and never write a case themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, User
from casedesk.accounts.permissions import actor_for, customer_contact, user_of
from casedesk.cases import clocks, notices, selectors
from casedesk.cases.models import Attachment, Case, CaseEvent
from casedesk.core import bulk, clock
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.core.prepared import Prepared
from casedesk.core.uploads import Upload, check_upload
from casedesk.rules import approvals, lifecycle
from casedesk.rules.lifecycle import Actor, Status, TransitionRefused
from casedesk.rules.permissions import Ability
from casedesk.rules.text import has_control
from casedesk.search import index as search_index

TITLE_MAX = 200
BODY_MAX = 100_000

Who = User | Contact  # a Contact acts without a login, e.g. by e-mail

# Fields of a case its search document is built from (besides the timeline's bodies).
SEARCHED = frozenset({"title", "description"})


def lock(case: Case) -> Case:
    """The case row, re-read under a row lock (PostgreSQL) inside the caller's transaction;
    within a `batch`, the row it locked already."""
    current = _BATCH.get()
    if current is not None and case.pk in current.locked:
        return current.locked[case.pk]
    return Case.objects.select_for_update().get(pk=case.pk)


_LOCK: Prepared[Case] = Prepared(
    lambda pks: Case.objects.select_for_update().filter(pk__in=pks).order_by("pk"), warm=[[0]]
)


def lock_many(pks: Sequence[int]) -> dict[int, Case]:
    """The case rows, re-read under row locks taken in key order (no deadlock between two
    batches), inside the caller's transaction."""
    locked = {case.pk: case for case in _LOCK(sorted(set(pks)))}
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
    sender_verified: bool | None = None,
) -> CaseEvent:
    """A timeline entry, not yet saved. `sender_verified`: for one written from an e-mail,
    whether its sender was verified (`mail.senders`)."""
    return bulk.new(
        CaseEvent,
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
        sender_verified=sender_verified,
    )


def record(
    case: Case, by: Who | None, actor: Actor, kind: str, *, origin: Any = None, **fields: Any
) -> CaseEvent:
    """Write a timeline entry (see `event` for its fields); the case's stored clocks and
    the notices it calls for follow in the same transaction. `origin`: the inbound
    message that caused it, which its notices answer."""
    entry = event(case, by, actor, kind, **fields)
    entry.save(force_insert=True)
    searched = bool(entry.body or SEARCHED & entry.changes.keys())
    current = _BATCH.get()
    if current is not None:
        current.pending.append(_Pending(case, entry, origin, searched))
        return entry
    if searched:
        search_index.refresh([case.pk])
    clocks.refresh(case, entry.at)
    notices.case_events([(entry, origin)])
    return entry


@dataclass(frozen=True)
class _Pending:
    case: Case
    entry: CaseEvent
    origin: Any
    searched: bool


@dataclass
class Batch:
    """Timeline entries written inside `batch`, whose follow-ups are still to come."""

    locked: dict[int, Case]
    pending: list[_Pending] = dataclass_field(default_factory=list)

    @contextmanager
    def part(self) -> Iterator[None]:
        """One case's action within the batch, in its own savepoint: if it raises, the
        entries it wrote (rolled back with the savepoint) get no follow-ups."""
        mark = len(self.pending)
        try:
            yield
        except BaseException:
            del self.pending[mark:]
            raise


_BATCH: ContextVar[Batch | None] = ContextVar("case_batch", default=None)


@contextmanager
def batch(pks: Sequence[int]) -> Iterator[Batch]:
    """Many case actions in the caller's transaction (a bulk change from a queue): the
    cases are locked at once, in key order, and what `record` does after each entry (the
    search document, the clocks' replay, the notices) is done once for them all at the
    end, still inside the transaction, so each entry's consequences commit with it. The
    actions themselves, and their rules and refusals, are those of a single case."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("batch() needs the caller's transaction")
    current = Batch(locked=lock_many(pks) if pks else {})
    token = _BATCH.set(current)
    try:
        yield current
    finally:
        _BATCH.reset(token)
    _follow_up(current.pending)


def _follow_up(pending: Sequence[_Pending]) -> None:
    """What `record` does after an entry, for several entries at once: one search refresh,
    one read of the timelines and one replay per case, one statement per set of changed
    clock columns, and the notices with one insert."""
    if not pending:
        return
    searched = sorted({p.case.pk for p in pending if p.searched})
    if searched:
        search_index.refresh(searched)
    cases = list({p.case.pk: p.case for p in pending}.values())
    # The notices read each case's contact and organisation: three queries, not three a case.
    models.prefetch_related_objects(cases, "organisation", "contact__organisation")
    changed = clocks.refresh_many(cases, max(p.entry.at for p in pending))
    bulk.update_rows(Case, changed.items())
    notices.case_events([(p.entry, p.origin) for p in pending])


def clean_text(value: str, what: str, *, required: bool, limit: int, single_line: bool = False) -> str:
    """The text as stored (trimmed), or a refusal saying what is missing or too long, or (a
    `single_line` value: a title, a name) that it holds a line break or control character."""
    value = (value or "").strip()
    if single_line and has_control(value):
        raise Refused(f"The {what} must be a single line, without line breaks, tabs or control characters.")
    if required and not value:
        raise Refused(f"The {what} is required.")
    if len(value) > limit:
        raise Refused(f"The {what} is {len(value)} characters long; at most {limit} are allowed.")
    return value


WORK = frozenset({Ability.WORK_CASE, Ability.DISPOSE})


def require_workable(case: Case, *, closing: bool = False) -> None:
    """Refuse staff work on a MACD request not approved by its MPOCs (plan §7), with why;
    called on the locked row by every action that works a case, whichever channel asked."""
    why = approvals.work_refusal(case.approval, case.number, closing=closing)
    if why is not None:
        raise Forbidden(why)


def require_staff(by: Who | None, ability: Ability | None = None) -> None:
    """Staff only; with `ability`, only staff whose role holds it."""
    if by is None or actor_for(by) != Actor.STAFF:
        raise Forbidden("Only support staff may do this.")
    if ability is not None:
        permissions.require(by, ability)


def require_own(case: Case, by: Who) -> None:
    """A customer acts only on the cases they see (`selectors.cases_visible_to`): others 404.
    A Contact without a login is e-mail, whose intake found them on the case's thread."""
    contact = customer_contact(by)
    if contact is None or contact.organisation_id != case.organisation_id:
        raise NotFound("No such case.")
    if not isinstance(by, Contact) and not selectors.cases_visible_to(by).filter(pk=case.pk).exists():
        raise NotFound("No such case.")


def require_ability(case: Case, by: Who, ability: Ability) -> None:
    """A customer on a case they see (else 404); staff whose role holds it and, for team
    work, reaches the case (else 403 saying why)."""
    if actor_for(by) == Actor.CUSTOMER:
        require_own(case, by)
        permissions.require(by, ability)
    else:
        permissions.require_for_case(by, ability, case)


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


def _current(case: Case, field: str) -> Any:
    """The field's value as `apply` compares it; a foreign key by its id where the related
    row is not loaded (a bulk change of 100 cases need not read 100 teams and assignees),
    as a model of that key only, which compares and records as the loaded row would."""
    meta = Case._meta.get_field(field)
    if not isinstance(meta, models.ForeignKey) or field != meta.name or meta.is_cached(case):
        return getattr(case, field)
    key = getattr(case, meta.attname)
    related: Any = meta.related_model  # a model class here: Case's keys name no "self"
    return None if key is None else related(pk=key)


def apply(case: Case, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set fields on the case; return {field: [old, new]} (raw values) for those that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = _current(case, field)
        if old != new:
            changes[field] = [raw(old), raw(new)]
            setattr(case, field, new)
    return changes


def change_fields(
    case: Case,
    values: dict[str, Any] | Callable[[Case], dict[str, Any]],
    *,
    by: Who | None,
    actor: Actor,
    public: bool,
    body: str = "",
    origin: Any = None,
    require: Ability | None = None,
) -> Case:
    """Set fields under the row lock; audit what changed (nothing changed: no event).
    `values` may be decided from the locked row; `require`: the staff ability that must
    reach the case as it is now, not as the caller last read it."""
    with transaction.atomic():
        case = lock(case)
        if require is not None:
            permissions.require_for_case(by, require, case)
            if require in WORK:
                require_workable(case)
        changes = apply(case, values(case) if callable(values) else values)
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
    return permissions.mpoc_refusal(contact, Ability.OPEN_CASE)


def move(
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
    case; returns the audit's {field: [old, new]}. The caller saves and records it: a
    status move of its own (`transition`), or one that follows from another action (an
    assignment, a customer's reply)."""
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
            values["shipping_carrier"] = clean_text(
                shipping_carrier, "carrier", required=False, limit=60, single_line=True
            )
    if target == Status.DUPLICATE:
        values["duplicate_of"] = main_case
    if target == Status.CLOSED:
        # A closure the system makes explains itself in its note; it is no resolution.
        values["resolution"] = resolution or (note if actor != Actor.SYSTEM else "") or case.resolution
    if target in lifecycle.CLOSED_STATUSES:
        values["closed_at"] = now
    elif case.closed_at is not None:
        values["closed_at"] = None
        if case.status == Status.DUPLICATE.value:
            values["duplicate_of"] = None
    old = case.status
    changes = apply(case, values)
    changes["status"] = [old, target.value]  # recorded even when unchanged (a re-request)
    case.updated_at = now
    return changes
