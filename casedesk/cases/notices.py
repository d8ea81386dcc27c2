"""Who hears about a case event, and what they are sent.

`cases.actions` calls `case_events` for every timeline entry, inside the transaction that
wrote it, so a notification exists exactly when its cause was committed. Customers hear
about the opening of a case (with its number), public staff replies, status changes they
should see, closure and the no-response closure; never about internal notes. What the
case's contact hears, its participants and (if the organisation asks) every MPOC hear too,
one message per address (`audience`, `outbox.recipients`). Every message is an outbox row
threaded on its case (`outbox.threading`), so that replies find it; a reader's address is
then on the case's thread.

An entry caused by a received message comes with its `Origin`, which the action was given
by the channel that received it: the notice then answers that message (In-Reply-To), and
a refusal to its sender counts against the daily cap that stops mail loops. Acknowledgements
to the contacts who may write are not capped: an MPOC's sixth case of the day is as real as
the first, and automatic mail (Auto-Submitted, bounces) never opens a case to begin with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from casedesk.cases import audience, confirmation
from casedesk.cases.clocks import CLOSE_WARNING
from casedesk.outbox import delivery, threading
from casedesk.outbox.models import OutboundMessage
from casedesk.outbox.recipients import Once
from casedesk.outbox.stencils import marker
from casedesk.rules.lifecycle import Status
from casedesk.rules.timeline import EXTENSION


@dataclass(frozen=True)
class Origin:
    """A received message that case actions answer (an e-mail, given by intake)."""

    message_id: str
    sender: str  # normalised address, "" if unknown
    subject: str = ""
    # The timeline entries written for it, in order: intake reads which entry it became.
    events: list[Any] = field(default_factory=list)
    # Attachments it carried that were not kept, each "name: why"; its sender is told.
    dropped: tuple[str, ...] = ()


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
    origin: Origin | None = None,
    thread: list[str] | None = None,
    capped: bool = False,
    brand_of: Any = None,
    stencil: delivery.Stencil | None = None,
) -> OutboundMessage | None:
    """One templated message, not yet saved; None if there is no one to send it to, or it
    is `capped` (an answer to a sender who may not write) and the address has had its share
    of those today (a mail loop). `thread`: the case's Message-IDs if already looked up
    (`threading.threads`)."""
    to = (to or "").strip()
    if not to:
        return None
    address = to.lower()
    if capped and origin is not None and origin.sender == address and not threading.within_cap(address):
        return None
    parent = parent or (origin.message_id if origin else "")
    if case is not None and fresh:
        headers = {"In-Reply-To": parent, "References": parent} if parent else {}  # nothing earlier
    else:
        headers = threading.thread_headers(case, parent, thread)
    headers["Reply-To"] = threading.support_address(case, to=address)
    return delivery.build_template(
        kind=kind,
        to=to,
        template=template,
        context=context,
        case=case,
        headers=headers,
        automatic=automatic,
        dedupe_key=dedupe_key,
        # Every notice here is for the case's customer: a rebiller's hears under its brand.
        brand_of=brand_of or _organisation(case),
        stencil=stencil,
    )


def _organisation(case: Any) -> Any:
    """The case's organisation if it came with the case (no query to learn it has no
    rebiller), else its id."""
    if case is None:
        return None
    return case.organisation if type(case).organisation.is_cached(case) else case.organisation_id


def send(**kwargs: Any) -> OutboundMessage | None:
    """Queue one templated message (in the caller's transaction) and record its Message-ID
    against the case (see `_prepare` for the arguments)."""
    message = _prepare(**kwargs)
    if message is None:
        return None
    saved = delivery.save(message)
    if saved is not None:
        threading.record_sent([saved])
    return saved


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None  # an entry written before statuses were stored as values


def _status_after(event: Any) -> Status | None:
    pair = (event.changes or {}).get("status")
    if not pair or len(pair) != 2:
        return None
    return _status(pair[1])


def case_event(event: Any, origin: Origin | None = None) -> None:
    """Queue the notifications `event` calls for (in the caller's transaction)."""
    case_events([(event, origin)])


def case_events(events: Sequence[tuple[Any, Origin | None]], *, once: Once | None = None) -> None:
    """The notices for several timeline entries, each with the received message that
    caused it (None if none did), queued with one insert. Each entry reaches each of its
    case's readers (`audience.readers`) once by address; `once`: the addresses already
    written to for the cause of all of them (a master-case update), which hear no more."""
    wanted = []
    for event, origin in events:
        if origin is not None:
            origin.events.append(event)
        chosen = _template(event)
        if chosen is None and _tell_dropped(event, origin):
            chosen = (DROPPED, True)
        if chosen is not None:
            wanted.append((event, origin, *chosen))
    if not wanted:
        return
    threaded = [event.case for event, *_ in wanted if event.kind != "created"]
    known = threading.threads(threaded) if threaded else {}  # one look-up for them all
    # A case with its "created" entry here was opened in this transaction: no one is copied yet.
    opened = {event.case.pk for event, *_ in wanted if event.kind == "created"}
    readers = audience.readers([event.case for event, *_ in wanted], new=opened)
    messages = []
    for event, origin, template, automatic in wanted:
        case, heard = event.case, once if once is not None else Once()
        for reader in _addressed(template, readers[case.pk], origin):
            to = heard.take(reader.email)
            if not to:
                continue
            context = {
                "case": case,
                "number": case.number,
                "event": event,
                "contact": reader,  # each reader's copy differs by the greeting only
                "url": f"{settings.CASEDESK_BASE_URL}/portal/cases/{case.number}/",
                "status": case.status_label,
                "dropped": _dropped_for(origin, reader),
            }
            particulars = _particulars(template, event, reader)
            context.update(particulars)
            message = _prepare(
                kind=template,
                to=to,
                template=template,
                context=context,
                stencil=None if particulars else _stencil(template, context),
                case=case,
                automatic=automatic,
                dedupe_key=_dedupe_key(template, event, to),
                fresh=event.kind == "created",  # a new case has no earlier messages to refer to
                origin=origin,
                thread=known.get(case.pk),
            )
            if message:
                messages.append(message)
    # Their dedupe keys name entries written in this transaction (but a warning's).
    fresh = all(m.kind != "no_response_warning" for m in messages)
    threading.record_sent(delivery.save_many(messages, fresh=fresh))


DROPPED = "attachments_not_kept"

# The notices sent by the hundred (a mailbox's backlog of new cases), rendered once per
# shape (`outbox.stencils`), and what of the case their templates read besides the values.
STENCILED = frozenset({"case_opened"})


def _stencil(template: str, context: dict[str, Any]) -> delivery.Stencil | None:
    """The notice as its shape and free-text values: the reader's name, the case's number,
    title and link. Its other values make the shape; a notice with attachments not kept
    (their names and reasons, free text too) is rendered in full."""
    case = context["case"]
    values = (context["contact"].name, case.title, context["number"], context["url"])
    if template not in STENCILED or context["dropped"] or not all(isinstance(v, str) for v in values):
        return None
    shape = SimpleNamespace(
        kind=case.kind,
        approval=case.approval,
        needs_triage=case.needs_triage,
        get_priority_display=case.get_priority_display(),
        get_approval_display=case.get_approval_display(),
        title=marker(1),
    )
    return delivery.Stencil(
        key=(case.kind, case.approval, case.needs_triage, case.priority, context["status"]),
        context={
            "case": shape,
            "number": marker(2),
            "event": None,
            "contact": SimpleNamespace(name=marker(0)),
            "url": marker(3),
            "status": context["status"],
            "dropped": (),
        },
        values=values,
    )


def _tell_dropped(event: Any, origin: Origin | None) -> bool:
    """A customer's e-mail reply added to a case has no notice of its own; if attachments
    of it were left out, its sender is told which and why."""
    return bool(origin and origin.dropped and event.kind == "comment" and event.actor_kind == "customer")


def _addressed(template: str, readers: Sequence[Any], origin: Origin | None) -> list[Any]:
    if template != DROPPED:
        return list(readers)
    sender = origin.sender if origin else ""
    return [r for r in readers if (r.email or "").lower() == sender]


def _dropped_for(origin: Origin | None, reader: Any) -> tuple[str, ...]:
    # Only the person who sent the files hears what became of them.
    if origin is None or (reader.email or "").lower() != origin.sender:
        return ()
    return origin.dropped


def _template(event: Any) -> tuple[str, bool] | None:
    """The notice a timeline entry calls for and whether it is automatic; None if none."""
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
            Status.RESOLVED: "case_resolved",
            Status.CLOSED: "case_closed",
            Status.CLOSED_NO_RESPONSE: "no_response",
        }.get(after, "status_changed")
    elif kind == "change" and CLOSE_WARNING in (event.changes or {}):
        template = "no_response_warning"
    elif kind == "change" and EXTENSION in (event.changes or {}):
        template, automatic = "completion_extended", False
    else:
        return None
    return template, automatic


def _particulars(template: str, event: Any, reader: Any) -> dict[str, Any]:
    """What one notice says besides the case: a resolution carries a "Yes, it is fixed" link
    for the case's contact, if they may confirm it (the link is theirs: it acts as them);
    a warning, when the case closes."""
    if template == "case_resolved":
        contact = event.case.contact
        if confirmation.may_confirm(contact) and reader.email.lower() == (contact.email or "").lower():
            return {"confirm_url": confirmation.url_for(event.case, contact, event)}
    if template == "no_response_warning":
        return {"closes_at": parse_datetime(event.changes[CLOSE_WARNING][1])}
    return {}


def _dedupe_key(template: str, event: Any, to: str) -> str:
    if template == "no_response_warning":
        # One warning for each closing announced, however many sweeps find it due.
        return f"close-warning-{event.case_id}-{event.changes[CLOSE_WARNING][1]}-{to.lower()}"[:200]
    return f"event-{event.pk}-{to.lower()}"[:200]


def refusal(contact: Any, origin: Origin, text: str) -> OutboundMessage | None:
    """The polite answer to a contact who may not open cases by e-mail (or not this way),
    naming the organisation's MPOCs."""
    return send(
        kind="mpoc_refusal",
        to=contact.email,
        template="mpoc_refusal",
        context={
            "contact": contact,
            "text": text,
            "subject": origin.subject,
            "mpocs": list(contact.organisation.mpocs()),
        },
        origin=origin,
        capped=True,
        brand_of=contact.organisation,
    )
