"""Who hears about a case event, and what they are sent.

`cases.actions` calls `case_event` for every timeline event, inside the transaction that
wrote it, so a notification exists exactly when its cause was committed. Customers hear
about the opening of a case (with its number), public staff replies, status changes they
should see, closure and the no-response closure; never about internal notes. Every message
carries a Message-ID recorded against its case, and In-Reply-To/References from the case's
earlier messages, so that replies thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection

from casedesk.core import bulk, clock
from casedesk.rules.lifecycle import Status

MAX_REFERENCES = 10


def support_address(case: Any = None) -> str:
    """The address replies go to; with a case, its plus address (support+CS-000123@...)."""
    base = (settings.CASEDESK_SUPPORT_ADDRESSES or [settings.DEFAULT_FROM_EMAIL])[0]
    if case is None:
        return base
    local, _, domain = base.partition("@")
    return f"{local}+{case.number}@{domain}"


def thread_headers(case: Any, extra_parent: str = "", known: list[str] | None = None) -> dict[str, str]:
    """In-Reply-To the newest message on the case (or the message being answered), and
    References from the first and the latest ones. `known`: the case's thread as
    `threads` found it, for a caller with several cases."""
    if case is None:
        return {"In-Reply-To": extra_parent, "References": extra_parent} if extra_parent else {}
    ids = list(threads([case])[case.pk] if known is None else known)
    if extra_parent and extra_parent not in ids:
        ids.append(extra_parent)
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids)}


def threads(cases: Sequence[Any]) -> dict[int, list[str]]:
    """For each case, the Message-IDs its notices refer to: the first on the case and the
    latest MAX_REFERENCES, oldest first; two queries for them all."""
    from django.db.models import F, Min, Window
    from django.db.models.functions import RowNumber

    from casedesk.mail.models import MessageLink

    pks = list({case.pk for case in cases})
    links = MessageLink.objects.filter(case_id__in=pks)
    newest = links.annotate(
        rank=Window(RowNumber(), partition_by=[F("case_id")], order_by=F("id").desc())
    ).filter(rank__lte=MAX_REFERENCES)
    firsts = links.values("case_id").annotate(first=Min("id")).values("first")
    out: dict[int, list[str]] = {pk: [] for pk in pks}
    first: dict[int, str] = {}
    for case_id, message_id in MessageLink.objects.filter(pk__in=firsts).values_list("case_id", "message_id"):
        first[case_id] = message_id
    for case_id, message_id in newest.order_by("case_id", "id").values_list("case_id", "message_id"):
        out[case_id].append(message_id)
    for pk, ids in out.items():
        if ids and first.get(pk) and first[pk] not in ids:
            ids.insert(0, first[pk])
    return out


def _within_cap(address: str) -> bool:
    """Count one automatic answer to `address` today; False once the daily cap is reached.
    One statement: insert the day's counter or add one to it while under the cap."""
    from casedesk.mail.models import AutoAnswerCount

    table = connection.ops.quote_name(AutoAnswerCount._meta.db_table)
    day: date = clock.now().date()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (address, day, count) VALUES (%s, %s, 1) "  # noqa: S608 - fixed names
            f"ON CONFLICT (address, day) DO UPDATE SET count = {table}.count + 1 "
            f"WHERE {table}.count < %s RETURNING count",
            [address, day, settings.CASEDESK_AUTO_ANSWERS_PER_DAY],
        )
        return cursor.fetchone() is not None


def _prepare(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    case: Any = None,
    automatic: bool = True,
    dedupe_key: str | None = None,
    parent: str = "",
    fresh: bool = False,
    origin: Any = None,
    thread: list[str] | None = None,
) -> Any:
    """One templated message, not yet saved; None if there is no one to send it to, or the
    address has had its share of automatic answers today (a mail loop). `thread`: the
    case's Message-IDs if already looked up (`threads`)."""
    from casedesk.mail import intake, outbox

    to = (to or "").strip()
    if not to:
        return None
    inbound = origin if origin is not None else intake.current.get()
    if inbound is not None and automatic and inbound.sender == to.lower() and not _within_cap(to.lower()):
        return None
    parent = parent or (inbound.message_id if inbound else "")
    if case is not None and fresh:
        headers = {"In-Reply-To": parent, "References": parent} if parent else {}  # nothing earlier
    else:
        headers = thread_headers(case, parent, thread)
    headers["Reply-To"] = support_address(case)
    return outbox.build_template(
        kind=kind,
        to=to,
        template=template,
        context=context,
        case=case,
        headers=headers,
        automatic=automatic,
        dedupe_key=dedupe_key,
    )


def _links(messages: list[Any]) -> None:
    """Record each sent Message-ID against its case, so replies to it thread."""
    from casedesk.mail.models import MessageLink

    now = clock.now()
    bulk.insert(
        [
            MessageLink(
                message_id=message.message_id,
                case=message.case,
                direction=MessageLink.Direction.OUT,
                address=message.to.lower()[:254],
                created_at=now,
            )
            for message in messages
            if message.case is not None
        ]
    )


def send(**kwargs: Any) -> Any:
    """Queue one templated message (in the caller's transaction) and record its Message-ID
    against the case (see `_prepare` for the arguments)."""
    from casedesk.mail import outbox

    message = _prepare(**kwargs)
    if message is None:
        return None
    saved = outbox.save(message)
    if saved is not None:
        _links([saved])
    return saved


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def _status_after(event: Any) -> Status | None:
    pair = (event.changes or {}).get("status")
    if not pair or len(pair) != 2:
        return None
    return _status(pair[1])


def case_event(event: Any) -> None:
    """Queue the notifications `event` calls for (in the caller's transaction)."""
    case_events([(event, None)])


def case_events(events: Sequence[tuple[Any, Any]]) -> None:
    """The notices for several timeline entries, each with what caused it (an inbound
    e-mail, or None for the one being processed now), queued with one insert."""
    from casedesk.mail import outbox

    known = threads([event.case for event, _ in events if event.public]) if len(events) > 1 else None
    messages = []
    for event, origin in events:
        message = _notice(event, origin, known)
        if message is not None:
            messages.append(message)
    _links(outbox.save_many(messages))


def _notice(event: Any, origin: Any, known: dict[int, list[str]] | None = None) -> Any:
    from casedesk.mail import intake

    inbound = origin if origin is not None else intake.current.get()
    if inbound is not None:
        inbound.events.append(event.pk)
    if not event.public:
        return None  # internal notes and staff-only changes never reach customers
    kind = event.kind
    automatic = True
    if kind == "created":
        template = "case_opened"
    elif kind == "comment":
        if event.actor_kind != "staff" or not (event.body or "").strip():
            return None
        template, automatic = "staff_reply", False
    elif kind == "status":
        after = _status_after(event)
        if after is None:
            return None
        before = _status((event.changes or {})["status"][0])
        if before == Status.NEW and after == Status.IN_PROGRESS and not event.body:
            return None  # the first staff reply, which is its own notice
        template = {
            Status.CLOSED: "case_closed",
            Status.CLOSED_NO_RESPONSE: "no_response",
        }.get(after, "status_changed")
    else:
        return None
    case = event.case
    contact = case.contact
    if contact is None or not contact.active:
        return None
    return _prepare(
        kind=template,
        to=contact.email,
        template=template,
        context={
            "case": case,
            "number": case.number,
            "event": event,
            "contact": contact,
            "url": f"{settings.CASEDESK_BASE_URL}/portal/cases/{case.number}/",
            "status": case.status_label,
        },
        case=case,
        automatic=automatic,
        dedupe_key=f"event-{event.pk}-{contact.email.lower()}"[:200],
        fresh=kind == "created",  # a new case has no earlier messages to refer to
        origin=inbound,
        thread=known.get(case.pk) if known is not None else None,
    )


def refusal(contact: Any, parsed: Any, text: str) -> None:
    """The polite answer to a contact who may not open cases by e-mail, naming the MPOCs."""
    send(
        kind="mpoc_refusal",
        to=contact.email,
        template="mpoc_refusal",
        context={
            "contact": contact,
            "text": text,
            "subject": parsed.subject,
            "mpocs": list(contact.organisation.mpocs()),
        },
        parent=parsed.message_id,
    )
