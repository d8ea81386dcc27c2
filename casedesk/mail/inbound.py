"""The stored side of intake: received messages written raw (and committed) before anything
else is done with them, leased to whoever processes them, and their outcomes recorded.

A new row is stored already leased to the intake that stored it, with one attempt counted.
A row stored earlier and still pending is claimed again (`claim`) before it is processed:
the attempt is counted and committed first, so a message that crashes its intake every
time still reaches quarantine: claimed again after the last attempt, it is quarantined
instead (`worn_out`). A failure part-way leaves the row pending, to be retried with
backoff (`failed`); after the last attempt it is quarantined with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from casedesk.cases.models import pk_from_number
from casedesk.core import bulk, clock
from casedesk.mail import parsing
from casedesk.mail.models import InboundMessage
from casedesk.mime import lines, parse
from casedesk.outbox.leases import backoff

OUTCOMES = (
    "created",
    "appended",
    "reopened",
    "follow_up_created",
    "auto_reply",
    "bounce",
    "duplicate",
    "refused",
    "loop",  # the desk's own mail came back; recorded, never acted on
    "quarantined",
    "pending",  # processing failed; the stored message is retried by the sweep
)
LEASE = timedelta(minutes=5)

Envelope = tuple[str, Sequence[str]]  # MAIL FROM and RCPT TO, when the message came by SMTP


@dataclass(frozen=True)
class Result:
    outcome: str
    case: str | None = None
    reason: str | None = None
    inbound_id: int | None = None
    event_id: int | None = None  # the timeline entry the message became, if any

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "case": self.case, "reason": self.reason}


def new_row(
    raw: bytes, *, source: str, now: datetime, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> InboundMessage:
    """The stored form of a received message, not yet saved: leased to whoever stores it,
    its fingerprint (Message-ID and content without trace fields) unique."""
    message_id, digest = lines.fingerprint(raw)
    return bulk.new(
        InboundMessage,
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


def store_many(
    raws: Sequence[bytes], *, source: str, envelopes: Sequence[Envelope] | None = None
) -> list[tuple[InboundMessage, bool]]:
    """Write the raw messages, committed before any processing, each with whether this call
    stored it: a new row comes back leased to the caller; a message stored before (or
    earlier in `raws`) comes back as the row already stored, as it is."""
    envelopes = envelopes or [("", ())] * len(raws)
    now = clock.now()
    rows = [
        new_row(raw, source=source, now=now, envelope_from=mail_from, envelope_to=rcpt_tos)
        for raw, (mail_from, rcpt_tos) in zip(raws, envelopes, strict=True)
    ]
    first: dict[str, InboundMessage] = {}
    for row in rows:
        first.setdefault(row.fingerprint, row)
    known: dict[str, InboundMessage] = {}
    # Most messages are new: the insert comes first, and only a conflict costs a look-up
    # (of the ones stored before, or by another intake meanwhile) and another insert.
    while True:
        new = [row for fingerprint, row in first.items() if fingerprint not in known]
        if not new:
            break
        try:
            if len(new) == 1 and transaction.get_autocommit():
                bulk.insert(new)  # one statement: a transaction of its own already
            else:
                with transaction.atomic():
                    bulk.insert(new)
            break
        except IntegrityError:
            stored = InboundMessage.objects.filter(fingerprint__in=[row.fingerprint for row in new])
            found = {row.fingerprint: row for row in stored.select_related("case")}
            if not found:
                raise
            known.update(found)
    out: list[tuple[InboundMessage, bool]] = []
    for row in rows:
        if row.fingerprint in known:
            out.append((known[row.fingerprint], False))
        else:
            kept = first[row.fingerprint]
            out.append((kept, kept is row))
    return out


def claim(row: InboundMessage, now: datetime) -> bool:
    """Lease a stored, pending message to the caller, counting the attempt; False if it is
    done or another intake holds it."""
    taken = (
        InboundMessage.objects.filter(pk=row.pk, state=InboundMessage.State.PENDING)
        .exclude(locked_until__gt=now)
        .update(locked_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if taken:
        row.attempts += 1
    return bool(taken)


def already(row: InboundMessage) -> Result:
    """The answer for a message received before (and dealt with)."""
    number = row.case.number if row.case_id and row.case else None
    return Result("duplicate", number, f"already received (message {row.pk}: {row.outcome})", row.pk)


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
            reading=parsing.reading(parsed),
            automatic=parsed.recognised.kind if parsed.recognised is not None else "",
            auth_method=row.auth_method,
            auth_result=row.auth_result,
            auth_evidence=row.auth_evidence,
        )
    if result.event_id:
        fields["event_id"] = result.event_id
    return fields


def settle(outcomes: Sequence[tuple[InboundMessage, parse.ParsedMessage | None, Result]]) -> list[Result]:
    """Record the outcomes of several messages with one statement; each result comes back
    naming its stored message."""
    now = clock.now()
    bulk.update_rows(InboundMessage, [(row.pk, settled(row, parsed, r, now)) for row, parsed, r in outcomes])
    return [Result(r.outcome, r.case, r.reason, row.pk, r.event_id) for row, _, r in outcomes]


def failed(row: InboundMessage, exc: BaseException) -> Result:
    """Processing failed (and was rolled back): pending again, retried after a backoff, or
    quarantined with the error once the attempts are spent."""
    now = clock.now()
    error = (str(exc) if isinstance(exc, parse.Unparseable) else f"{type(exc).__name__}: {exc}")[:2000]
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


def worn_out(row: InboundMessage) -> Result:
    """A message claimed again after as many take-ups as attempts are allowed, none of
    which recorded an outcome: whatever handled it died with it (or failed) each time."""
    why = row.last_error or "none recorded, so the process handling it ended each time"
    reason = f"Taken up {row.attempts - 1} times without an outcome; last error: {why}"
    return settle([(row, None, Result("quarantined", None, reason))])[0]
