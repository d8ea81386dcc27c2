"""The entry points of e-mail intake, whichever way a message came in (command, SMTP/LMTP,
IMAP), and the review of the quarantine.

1. The raw bytes are stored first, in their own transaction; a second delivery of the
   same message (same Message-ID and content) is recognised by its fingerprint.
2. The message is then processed in its own transaction by the batch engine (`batch`), a
   lone message as a batch of one: matched to a case and a contact, decided, handed to
   `cases.actions`, and its row marked done in that same transaction. If anything fails
   the row stays pending and the `retry_inbound` sweep retries it with backoff; after the
   last attempt it is quarantined with the reason. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from casedesk.accounts import contacts
from casedesk.accounts.models import Contact
from casedesk.cases import actions
from casedesk.cases.models import CaseEvent, Channel
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.mail import batch, effects, parsing, routing
from casedesk.mail.inbound import LEASE, OUTCOMES, Result
from casedesk.mail.models import AddressFailure, InboundMessage

__all__ = [
    "LEASE",
    "OUTCOMES",
    "Result",
    "accept",
    "failing",
    "ingest",
    "process",
    "reject",
    "retry_due",
    "warm_up",
]


def warm_up() -> None:
    """Do now what the first message would otherwise wait for, when a long-running intake
    starts (the SMTP listener, the IMAP poller, the one-process set-up): a parser process
    started and kept, the plan's calendars read (with their public holidays, a third of a
    second), the public suffix list that DMARC's organisational domains come from, and
    the statements of the look-ups every message makes, for every bucket of list lengths
    up to a batch (`core.prepared.warm_all`)."""
    from casedesk.core import prepared
    from casedesk.mime import authentication
    from casedesk.sla import config

    parsing.sandbox().warm()
    config.current()
    authentication.warm()
    prepared.warm_all(batch.BATCH)


def ingest(
    raw: bytes, *, source: str = "cli", envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> Result:
    """Store, then process, one message. Safe to call again with the same bytes."""
    return batch.ingest_many([raw], source=source, envelopes=[(envelope_from, envelope_to)])[0]


def process(row: InboundMessage, *, claimed: bool = False, now: datetime | None = None) -> Result:
    """Process a stored message once; the outcome is committed with its effects.
    `claimed`: the caller holds its lease (it has just stored it)."""
    return batch.take([(row, claimed)], now)[0]


def retry_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Process stored messages still pending (a crash or an error part-way), each on its
    own: a message that takes its intake down with it costs only its own attempts."""
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


def failing(address: str) -> bool:
    """Whether the latest delivery report for the address is a permanent failure."""
    last = AddressFailure.objects.filter(address=address.lower()).order_by("-at").first()
    return bool(last and last.permanent)


# --- quarantine review (console) -----------------------------------------------------


def accept(
    pk: int,
    *,
    by: Any,
    contact: Contact | None = None,
    new_contact: contacts.NewContact | None = None,
    number: str = "",
) -> Result:
    """Staff accept a quarantined message: it opens a case for `contact` (an MPOC), or is
    added to the case `number` of the contact's organisation as the contact's comment.
    With `new_contact` the sender is first made a contact of the organisation chosen, in
    the same transaction: a refusal afterwards (not an MPOC, another organisation's case)
    leaves no contact behind."""
    from casedesk.cases import selectors

    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=pk)
        if row.state != InboundMessage.State.QUARANTINED:
            raise Refused("This message is no longer in quarantine.")
        try:
            parsed = parsing.read(bytes(row.raw))
        except parsing.Unparseable as exc:
            raise Refused(f"The message cannot be read ({exc}); download it instead.") from None
        if new_contact is not None:
            contact = contacts.add_contact(by, new_contact)
        if contact is None:
            raise Refused("Choose the contact the message is from, or add the sender as a new contact.")
        uploads, note = effects.uploads_of(parsed)
        body = (parsed.new_text[: effects.BODY_LIMIT] + note).strip()
        origin = effects.origin_of(parsed)
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
        if parsed.message_id:
            effects.link(case, parsed, clock.now()).save(force_insert=True)
        InboundMessage.objects.filter(pk=pk).update(
            state=InboundMessage.State.ACCEPTED,
            outcome=outcome,
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
