"""The one intake action for e-mail, whichever way it came in (command, SMTP/LMTP, IMAP).

1. `store`: the raw bytes are written first, in their own transaction; a second delivery
   of the same message (same Message-ID and content) is recognised by its fingerprint.
2. `process`: in one transaction, the message is read, matched to a case and a contact,
   and handed to `cases.actions`; the row is marked done in that same transaction. If
   anything fails the row stays pending and `sweep_inbound` retries it with backoff; after
   the last attempt it is quarantined with the reason. Nothing is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower

from casedesk.accounts.models import Contact
from casedesk.cases import actions, notices
from casedesk.core.uploads import Upload, check_upload
from casedesk.cases.models import Case, CaseEvent, Channel, pk_from_number
from casedesk.core import clock
from casedesk.core.errors import Forbidden, Refused
from casedesk.mail import routing
from casedesk.mail.models import AddressFailure, InboundMessage
from casedesk.mime import parse
from casedesk.mime.bounces import Bounce
from casedesk.outbox.leases import backoff
from casedesk.outbox.models import MessageLink, OutboundMessage
from casedesk.rules.lifecycle import ReopenOutcome

log = logging.getLogger(__name__)

OUTCOMES = (
    "created",
    "appended",
    "reopened",
    "follow_up_created",
    "auto_reply",
    "bounce",
    "duplicate",
    "refused",
    "quarantined",
    "pending",  # processing failed; the stored message is retried by the sweep
)
LEASE = timedelta(minutes=5)
BODY_LIMIT = actions.BODY_MAX - 2000


@dataclass(frozen=True)
class Result:
    outcome: str
    case: str | None = None
    reason: str | None = None
    inbound_id: int | None = None
    event_id: int | None = None  # the timeline entry the message became, if any

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "case": self.case, "reason": self.reason}


def origin_of(parsed: parse.ParsedMessage) -> notices.Origin:
    """What the case actions taking a message are told of it: their notices answer it."""
    return notices.Origin(parsed.message_id, parsed.sender, parsed.subject)


# --- entry points --------------------------------------------------------------------


def ingest(
    raw: bytes, *, source: str = "cli", envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> Result:
    """Store, then process, one message. Safe to call again with the same bytes."""
    row, created = store(raw, source=source, envelope_from=envelope_from, envelope_to=envelope_to)
    if not created and row.state != InboundMessage.State.PENDING:
        number = row.case.number if row.case_id and row.case else None
        return Result("duplicate", number, f"already received (message {row.pk}: {row.outcome})", row.pk)
    return process(row, claimed=created)


def new_row(
    raw: bytes, *, source: str, now: datetime, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> InboundMessage:
    """The stored form of a received message, not yet saved: leased to whoever stores it,
    its fingerprint (Message-ID and content without trace fields) unique."""
    message_id, digest = parse.fingerprint(raw)
    return InboundMessage(
        received_at=now,
        source=source,
        envelope_from=envelope_from[:254],
        envelope_to="\n".join(envelope_to)[:5000],
        raw=raw,
        size=len(raw),
        message_id=message_id[:255],
        fingerprint=hashlib.sha256(f"{message_id}\n{digest}".encode()).hexdigest(),
        next_attempt_at=now,
        attempts=1,
        locked_until=now + LEASE,
    )


def store(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> tuple[InboundMessage, bool]:
    """Write the raw message (committed before any processing). A new row comes back
    already claimed for processing by the caller; a known one is returned as it is."""
    row = new_row(raw, source=source, now=clock.now(), envelope_from=envelope_from, envelope_to=envelope_to)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return InboundMessage.objects.select_related("case").get(fingerprint=row.fingerprint), False
    return row, True


def process(row: InboundMessage, *, claimed: bool = False, now: datetime | None = None) -> Result:
    """Process a stored message once; the outcome is committed with its effects.
    `claimed`: the caller has just stored the row, leased to it."""
    if not claimed:
        now = now or clock.now()
        taken = (
            InboundMessage.objects.filter(pk=row.pk, state=InboundMessage.State.PENDING)
            .exclude(locked_until__gt=now)
            .update(locked_until=now + LEASE, attempts=F("attempts") + 1)
        )
        if not taken:
            return Result("duplicate", None, f"message {row.pk} is being processed elsewhere", row.pk)
        row.attempts += 1
    try:
        parsed = parse.parse(bytes(row.raw))
    except parse.Unparseable as exc:
        return _settle(row, None, Result("quarantined", None, f"The message cannot be read: {exc}"))
    except Exception as exc:  # the parser's own failure is a reason to look, not to retry
        log.exception("parsing inbound message %s failed", row.pk)
        return _settle(row, None, Result("quarantined", None, f"The message cannot be read: {exc!r}"))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    result = _decide(row, parsed)
            except Refused as exc:
                result = Result("quarantined", None, f"Refused by the case rules: {exc}")
            return _settle(row, parsed, result)
    except Exception as exc:
        log.exception("processing inbound message %s failed (attempt %d)", row.pk, row.attempts)
        return _failed(row, exc)


def settled(
    row: InboundMessage, parsed: parse.ParsedMessage | None, result: Result, now: datetime
) -> dict[str, Any]:
    """The columns that record a message's outcome."""
    state = InboundMessage.State.QUARANTINED if result.outcome == "quarantined" else InboundMessage.State.DONE
    fields: dict[str, Any] = {
        "state": state,
        "outcome": result.outcome,
        "reason": result.reason or "",
        "case_id": pk_from_number(result.case) if result.case else None,
        "processed_at": now,
        "locked_until": None,
        "next_attempt_at": None,
        "last_error": "",
    }
    if parsed is not None:
        fields.update(
            sender=parsed.sender[:254],
            subject=parsed.subject[:500],
            message_id=(parsed.message_id or row.message_id)[:255],
        )
    if result.event_id:
        fields["event_id"] = result.event_id
    return fields


def _settle(row: InboundMessage, parsed: parse.ParsedMessage | None, result: Result) -> Result:
    InboundMessage.objects.filter(pk=row.pk).update(**settled(row, parsed, result, clock.now()))
    return Result(result.outcome, result.case, result.reason, row.pk)


def _failed(row: InboundMessage, exc: Exception) -> Result:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.CASEDESK_INBOUND_MAX_ATTEMPTS:
        reason = f"Processing failed {row.attempts} times; last error: {error}"
        InboundMessage.objects.filter(pk=row.pk).update(
            state=InboundMessage.State.QUARANTINED,
            outcome="quarantined",
            reason=reason,
            last_error=error,
            locked_until=None,
        )
        return Result("quarantined", None, reason, row.pk)
    InboundMessage.objects.filter(pk=row.pk).update(
        last_error=error, locked_until=None, next_attempt_at=now + backoff(row.attempts)
    )
    return Result("pending", None, f"Processing failed and will be retried: {error}", row.pk)


def retry_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Process stored messages still pending (a crash or an error part-way)."""
    now = now or clock.now()
    counts: dict[str, int] = {}
    rows = list(
        InboundMessage.objects.filter(state=InboundMessage.State.PENDING, next_attempt_at__lte=now)
        .exclude(locked_until__gt=now)
        .order_by("next_attempt_at", "id")[:limit]
    )
    for row in rows:
        outcome = process(row, now=now).outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- deciding ------------------------------------------------------------------------


def _tag_re() -> re.Pattern[str]:
    prefix = re.escape(settings.CASEDESK_CASE_PREFIX)
    return re.compile(rf"\[\s*{prefix}-0*(\d{{1,12}})\s*\]", re.IGNORECASE)


def _plus_re() -> re.Pattern[str]:
    prefix = re.escape(settings.CASEDESK_CASE_PREFIX)
    return re.compile(rf"^([^+@]+)\+{prefix}-0*(\d{{1,12}})@(.+)$", re.IGNORECASE)


def named_cases(parsed: parse.ParsedMessage, envelope_to: Sequence[str] = ()) -> list[tuple[int, str]]:
    """The case numbers a message names: in a subject tag, then in plus addresses."""
    out: list[tuple[int, str]] = []
    match = _tag_re().search(parsed.subject)
    if match:
        out.append((int(match.group(1)), "subject tag"))
    support = set(settings.CASEDESK_SUPPORT_ADDRESSES)
    plus = _plus_re()
    for address in (*[a.lower() for a in envelope_to], *parsed.recipients):
        m = plus.match(address)
        if m and f"{m.group(1)}@{m.group(3)}" in support:
            out.append((int(m.group(2)), "plus address"))
    return out


def find_thread(parsed: parse.ParsedMessage, envelope_to: Sequence[str] = ()) -> tuple[Case | None, str]:
    """The case a message answers: by In-Reply-To and References, then by the case tag in
    the subject, then by a plus address (support+CS-000123@...)."""
    ids = parsed.thread_ids
    if ids:
        links = {
            link.message_id: link.case_id
            for link in MessageLink.objects.filter(message_id__in=ids).only("message_id", "case_id")
        }
        for mid in ids:
            if mid in links:
                return Case.objects.select_related("organisation", "contact").get(pk=links[mid]), "message-id"
    for pk, how in named_cases(parsed, envelope_to):
        case = Case.objects.select_related("organisation", "contact").filter(pk=pk).first()
        if case is not None:
            return case, how
    return None, ""


def find_contact(address: str, case: Case | None = None) -> Contact | None:
    """The active contact with this address (case-insensitive); for a reply, the one in
    the case's organisation; otherwise an MPOC first."""
    if not address:
        return None
    contacts = list(
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=address.lower(), active=True, organisation__active=True)
        .select_related("organisation", "user")
        .order_by("id")[:20]
    )
    return choose_contact(contacts, case)


def choose_contact(candidates: Sequence[Contact], case: Case | None) -> Contact | None:
    """Among the active contacts with one address (in key order): for a reply, the one in
    the case's organisation; otherwise an MPOC first."""
    if not candidates:
        return None
    if case is not None:
        for contact in candidates:
            if contact.organisation_id == case.organisation_id:
                return contact
    return sorted(candidates, key=lambda c: (not c.is_mpoc, c.pk))[0]


def is_participant(case: Case, address: str, contact: Contact | None) -> bool:
    if contact is not None and contact.organisation_id == case.organisation_id:
        return True
    return MessageLink.objects.filter(case=case, address=address).exists()


def _decide(row: InboundMessage, parsed: parse.ParsedMessage) -> Result:
    if parsed.bounce is not None:
        return _bounce(row, parsed, parsed.bounce)
    origin = origin_of(parsed)
    envelope_to = [a for a in row.envelope_to.split("\n") if a]
    case, how = find_thread(parsed, envelope_to)
    contact = find_contact(parsed.sender, case)
    participant = case is not None and bool(parsed.sender) and is_participant(case, parsed.sender, contact)
    if parsed.automatic:
        return Result("auto_reply", case.number if case and participant else None, parsed.automatic)
    if not parsed.sender:
        return Result("quarantined", None, "The message has no sender address.")
    if case is not None:
        if not participant:
            return Result(
                "quarantined",
                None,
                f"{parsed.sender} wrote to {case.number} (found by {how}) but is not a participant of it.",
            )
        return _reply(row, parsed, case, contact, origin)
    if contact is None:
        return Result("quarantined", None, f"Unknown sender {parsed.sender}.")
    if not contact.is_mpoc:
        _refusal(contact, origin)
        return Result("refused", None, f"{contact.email} is not a main point of contact.")
    return _new_case(row, parsed, contact, origin)


def uploads_of(parsed: parse.ParsedMessage) -> tuple[list[Upload], str]:
    uploads: list[Upload] = []
    notes = list(parsed.notes)
    for item in parsed.attachments:
        upload = Upload(item.name, item.content, item.content_type)
        try:
            check_upload(upload)
        except Refused as exc:
            notes.append(f"Attachment not kept: {exc}")
            continue
        uploads.append(upload)
    note = ("\n\n" + "\n".join(f"[{n}]" for n in notes)) if notes else ""
    return uploads, note


def _link(case: Case, parsed: parse.ParsedMessage) -> None:
    if parsed.message_id:
        MessageLink.objects.create(
            message_id=parsed.message_id[:255],
            case=case,
            direction=MessageLink.Direction.IN,
            address=parsed.sender[:254],
            created_at=clock.now(),
        )


def opening_for(
    parsed: parse.ParsedMessage,
    contact: Contact,
    router: routing.Router,
    platforms: list[Any] | None = None,
    origin: notices.Origin | None = None,
) -> actions.Opening:
    """The case a new message from an MPOC opens: its platform (the organisation's only
    one, or the one the message names; `platforms` if already looked up), routed in turn."""
    uploads, note = uploads_of(parsed)
    platform = routing.platform_for(contact, f"{parsed.subject}\n{parsed.new_text[:5000]}", platforms)
    return actions.Opening(
        by=contact,
        title=(parsed.subject or "(no subject)")[: actions.TITLE_MAX],
        description=(parsed.new_text[:BODY_LIMIT] + note).strip(),
        channel=Channel.EMAIL,
        platform=platform,
        uploads=uploads,
        routed_to=router.next(platform.team if platform else None),
        route_note=routing.ROUTE_NOTE,
        origin=origin,
    )


def _new_case(
    row: InboundMessage, parsed: parse.ParsedMessage, contact: Contact, origin: notices.Origin
) -> Result:
    router = routing.Router(clock.now())
    opened = actions.open_cases([opening_for(parsed, contact, router, origin=origin)])[0]
    if isinstance(opened, Refused):
        raise opened
    router.save()
    _link(opened.case, parsed)
    return Result("created", opened.case.number, None, event_id=opened.event.pk)


def reply_text(parsed: parse.ParsedMessage, case: Case, contact: Contact | None) -> str:
    """A reply's comment; one from an address on the thread (not a contact of the case's
    organisation) is recorded as the case contact's, saying who wrote it."""
    text = parsed.new_text[:BODY_LIMIT]
    if contact is None or contact.organisation_id != case.organisation_id:
        name = parsed.sender_name or parsed.sender
        text = f"(E-mail from {name} <{parsed.sender}>, on the thread)\n\n{text}"
    return text


def _reply(
    row: InboundMessage,
    parsed: parse.ParsedMessage,
    case: Case,
    contact: Contact | None,
    origin: notices.Origin,
) -> Result:
    uploads, note = uploads_of(parsed)
    by: Contact = (
        contact if contact is not None and contact.organisation_id == case.organisation_id else case.contact
    )
    text = reply_text(parsed, case, contact)
    body = (text + note).strip()
    if case.is_open:
        event = actions.add_comment(
            case, by=by, body=body or "(empty message)", uploads=uploads, origin=origin
        )
        _link(case, parsed)
        return Result("appended", case.number, None, event_id=event.pk)
    try:
        outcome, target = actions.request_reopen(case, by=by, note=body, channel=Channel.EMAIL, origin=origin)
    except Forbidden as exc:
        _refusal(by, origin, reason=str(exc))
        return Result("refused", case.number, str(exc))
    if uploads:
        actions.add_comment(target, by=by, body="", uploads=uploads, origin=origin)
    _link(target, parsed)
    # The latest entry the message wrote on the case it went to (a follow-up's opening,
    # not the note on the closed case that points at it).
    last_event = next((e.pk for e in reversed(origin.events) if e.case_id == target.pk), None)
    if outcome in (ReopenOutcome.REOPEN, ReopenOutcome.RESUME, ReopenOutcome.ALREADY_OPEN):
        return Result(
            "reopened", target.number, f"{case.number} was {case.status_label}.", event_id=last_event
        )
    routing.route_new_case(target)
    return Result(
        "follow_up_created", target.number, f"{case.number} was {case.status_label}.", event_id=last_event
    )


def _refusal(contact: Contact, origin: notices.Origin, reason: str = "") -> None:
    notices.refusal(contact, origin, reason or actions.mpoc_refusal(contact))


def _bounce(row: InboundMessage, parsed: parse.ParsedMessage, bounce: Bounce) -> Result:
    outbound = None
    if bounce.original_ids:
        outbound = (
            OutboundMessage.objects.filter(message_id__in=bounce.original_ids).select_related("case").first()
        )
    recipients = list(bounce.recipients) or ([outbound.to] if outbound else [])
    now = clock.now()
    for address in recipients:
        AddressFailure.objects.create(
            address=address.lower()[:254],
            permanent=bounce.permanent,
            action=bounce.action[:20],
            status=bounce.status,
            diagnostic=bounce.diagnostic,
            outbound=outbound,
            bounce=row,
            at=now,
        )
    case = outbound.case if outbound is not None else None
    what = "failed" if bounce.permanent else bounce.action
    reason = f"Delivery {what} for {', '.join(recipients) or 'an unnamed recipient'}"
    if bounce.status:
        reason += f" ({bounce.status})"
    return Result("bounce", case.number if case else None, reason + ".")


def failing(address: str) -> bool:
    """Whether the latest delivery report for the address is a permanent failure."""
    last = AddressFailure.objects.filter(address=address.lower()).order_by("-at").first()
    return bool(last and last.permanent)


# --- quarantine review (console) -----------------------------------------------------


def accept(pk: int, *, by: Any, contact: Contact, number: str = "") -> Result:
    """Staff accept a quarantined message: it opens a case for `contact` (an MPOC), or is
    added to the case `number` of the contact's organisation as the contact's comment."""
    from casedesk.cases import selectors

    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=pk)
        if row.state != InboundMessage.State.QUARANTINED:
            raise Refused("This message is no longer in quarantine.")
        try:
            parsed = parse.parse(bytes(row.raw))
        except parse.Unparseable as exc:
            raise Refused(f"The message cannot be read ({exc}); download it instead.") from None
        uploads, note = uploads_of(parsed)
        body = (parsed.new_text[:BODY_LIMIT] + note).strip()
        origin = origin_of(parsed)
        if number:
            case = selectors.get_case(by, number)
            if contact.organisation_id != case.organisation_id:
                raise Refused(f"{contact.name} is not a contact of {case.organisation.name}.")
            event = actions.add_comment(
                case, by=contact, body=body or "(empty message)", uploads=uploads, origin=origin
            )
            outcome = "appended"
        else:
            case = actions.open_case(
                by=by,
                contact=contact,
                title=(parsed.subject or "(no subject)")[: actions.TITLE_MAX],
                description=body,
                channel=Channel.EMAIL,
                uploads=uploads,
                origin=origin,
            )
            case = routing.route_new_case(case)
            event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CREATED).get()
            outcome = "created"
        _link(case, parsed)
        InboundMessage.objects.filter(pk=pk).update(
            state=InboundMessage.State.ACCEPTED,
            case=case,
            event=event,
            reviewed_by=by,
            reviewed_at=clock.now(),
        )
    return Result(outcome, case.number, f"Accepted from quarantine by {by}.", pk, event.pk)


def reject(pk: int, *, by: Any) -> None:
    """Staff reject a quarantined message; it stays stored, marked rejected, and is not answered."""
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=pk)
        if row.state != InboundMessage.State.QUARANTINED:
            raise Refused("This message is no longer in quarantine.")
        InboundMessage.objects.filter(pk=pk).update(
            state=InboundMessage.State.REJECTED, reviewed_by=by, reviewed_at=clock.now()
        )
