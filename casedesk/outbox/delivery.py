"""Write notifications with the change that caused them; deliver them after commit.

Delivery claims due rows under a lease (`leases.Queue`), sends each over one reused SMTP
connection, and marks it sent in its own transaction right after the server accepted it.
A worker killed mid-batch leaves the rest pending; once the lease runs out another worker
sends them. The one window for a repeat is between the server's acceptance and that mark;
the repeat carries the same Message-ID.

Nothing is kept or sent addressed to one of the desk's own intake addresses (`sendable`,
asked by every way in: `save`, `save_many`, the fan-out of status notices, and delivery
for rows queued before the check): it would come back in as a new message. One to an
address that complained or bounced for good is kept but held (`suppression.hold`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casedesk.branding import brands
from casedesk.core import bulk, clock, mailboxes, tasks, when
from casedesk.outbox import attachments, stencils, suppression
from casedesk.outbox.leases import Queue
from casedesk.outbox.models import OutboundMessage
from casedesk.rules import cpni
from casedesk.rules.text import fold

MAX_ATTEMPTS = 8
# Longer than a batch takes to send; a dead worker's rows go out again once it runs out.
LEASE = timedelta(seconds=settings.CASEDESK_OUTBOX_LEASE_SECONDS)
TASK = "casedesk.deliver_outbox"  # the Celery task that delivers (`outbox.tasks`)

QUEUE = Queue(OutboundMessage, lease=LEASE, max_attempts=MAX_ATTEMPTS)
OWN_ADDRESS = "addressed to one of the desk's own intake addresses; not sent"

log = logging.getLogger(__name__)


def new_message_id() -> str:
    return mailboxes.new_message_id()


def sendable(address: str) -> bool:
    """Whether mail may be addressed to `address`: there is one, and it is not the desk's own."""
    if not (address or "").strip():
        return False
    if mailboxes.is_ours(address):
        log.info("not sending to %s: %s", address, OWN_ADDRESS)
        return False
    return True


def build(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    case: Any = None,
    headers: Mapping[str, str] | None = None,
    dedupe_key: str | None = None,
    automatic: bool = True,
    message_id: str | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> OutboundMessage:
    """One outbox row, not yet saved (`save`, or `save_many` for several)."""
    now = clock.now()
    all_headers = dict(headers or {})
    if automatic:
        all_headers.setdefault("Auto-Submitted", "auto-generated")
    return OutboundMessage(
        created_at=now,
        kind=kind,
        case=case,
        to=to,
        subject=fold(subject)[:255],  # one header line, whatever the data held
        text=text,
        html=html,
        message_id=message_id or new_message_id(),
        headers=all_headers,
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        attachments=[dict(a) for a in attachments],
    )


def save(message: OutboundMessage) -> OutboundMessage | None:
    """Add the row in the caller's transaction; None if one is already queued under its
    dedupe key (a sweep's second run) or it is addressed to the desk itself."""
    saved = save_many([message])
    return saved[0] if saved else None


def save_many(messages: Sequence[OutboundMessage], *, fresh: bool = False) -> list[OutboundMessage]:
    """Add several rows with one insert, none under a dedupe key already queued (the insert
    skips those, so no savepoint is taken). Returns the rows added (none addressed to the
    desk itself). `fresh`: the dedupe keys name what the caller's transaction has just
    written, so none was queued before and the conflict check is not needed."""
    messages = [m for m in messages if sendable(m.to)]
    if not messages:
        return []
    suppression.hold(messages)
    added = list(bulk.insert(messages, unless_taken=None if fresh else "dedupe_key"))
    if added:
        transaction.on_commit(kick)
    return added


def cpni_refused(to: str, on_file: Collection[str] | None) -> bool:
    """A notice that bears CPNI (`on_file` given: the organisation's addresses on file) goes
    only to an address on file, never to one given in a conversation."""
    if on_file is None or cpni.may_send_to(to, on_file):
        return False
    log.warning("not sending CPNI to %s: not an address on file", to)
    return True


def enqueue(*, to: str, cpni_on_file: Collection[str] | None = None, **kwargs: Any) -> OutboundMessage | None:
    """Add one message to the outbox in the caller's transaction; None if already queued
    under `dedupe_key`, or the address is empty or the desk's own, or the message bears CPNI
    and the address is not on file."""
    if not sendable(to) or cpni_refused(to, cpni_on_file):
        return None
    return save(build(to=to, **kwargs))


_ZONES: dict[int, tuple[float, str]] = {}
ZONE_MEMO_SECONDS = 60.0


def _zone_of(case: Any) -> ZoneInfo:
    """The clock of the case's organisation. Read from the organisation when it came with
    the case, else remembered for a minute per process: a batch of notices costs at most
    one query per organisation for it, and a changed zone shows within a minute."""
    org_id = getattr(case, "organisation_id", None)
    if org_id is None:
        return when.plan_zone()
    field = getattr(type(case), "organisation", None)
    if field is not None and field.is_cached(case):
        name = case.organisation.time_zone
        _ZONES[org_id] = (time.monotonic(), name)
    else:
        seen = _ZONES.get(org_id)
        if seen is None or time.monotonic() - seen[0] > ZONE_MEMO_SECONDS:
            from casedesk.accounts.models import Organisation

            found = Organisation.objects.filter(pk=org_id).values_list("time_zone", flat=True).first()
            seen = (time.monotonic(), found or "")
            _ZONES[org_id] = seen
        name = seen[1]
    return when.zone_named(name) or when.plan_zone()


def build_template(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    brand_of: Any = None,
    stencil: Stencil | None = None,
    **kwargs: Any,
) -> OutboundMessage:
    """Render `mail/<template>.subject.txt`, `.txt` and `.html` into an unsaved row, with
    times on the clock of the case's organisation (else the plan's), whoever's request or
    sweep sends it. `brand_of`: the organisation (or its id) a message to a customer's people is for;
    a rebiller's customer's carries the rebiller's brand (`branding.brands`). `stencil`: the
    same message as a shape and its free-text values, for messages sent by the hundred
    (`stencils`); what is rendered is the same."""
    context = {"site_name": settings.CASEDESK_SITE_NAME, "base_url": settings.CASEDESK_BASE_URL, **context}
    brand = brands.for_mail(brand_of)
    branded: dict[str, Any] = {}
    if brand is not None:
        # A rebiller's customer hears from the rebiller: its name signs and sends the
        # message; replies still go to the desk's own signed intake address (Reply-To).
        branded = {"site_name": brand.name, "brand": brand}
        context |= branded
        kwargs["headers"] = {
            **(kwargs.get("headers") or {}),
            "From": formataddr((brand.name, settings.DEFAULT_FROM_EMAIL)),
        }
    zone = _zone_of(context.get("case"))
    with timezone.override(zone):
        if stencil is None:
            subject, text, html = _render(template, context)
        else:
            site, base = context["site_name"], context["base_url"]
            stand_in = {"site_name": site, "base_url": base, **branded, **stencil.context}
            look = brand  # its values: a changed brand is another shape
            subject, text, html = stencils.render(
                (template, str(zone), translation.get_language(), site, base, look, *stencil.key),
                stencil.values,
                lambda: _render(template, stand_in),
                lambda: _render(template, context),
            )
    return build(kind=kind, to=to, subject=" ".join(subject.split()), text=text, html=html, **kwargs)


@dataclass(frozen=True)
class Stencil:
    """A message's shape: `key`, all its templates may branch on; `context`, the context
    with `stencils.marker(n)` for each free-text value n; `values`, those values."""

    key: tuple[Any, ...]
    context: dict[str, Any]
    values: tuple[str, ...]


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    return (
        render_to_string(f"mail/{template}.subject.txt", context),
        render_to_string(f"mail/{template}.txt", context),
        render_to_string(f"mail/{template}.html", context),
    )


def enqueue_template(
    *, to: str, cpni_on_file: Collection[str] | None = None, **kwargs: Any
) -> OutboundMessage | None:
    """Render and enqueue (see `build_template`, and `enqueue` for `cpni_on_file`)."""
    if not sendable(to) or cpni_refused(to, cpni_on_file):
        return None
    return save(build_template(to=to, **kwargs))


def kick() -> None:
    """After commit: with a broker, wake a worker now; embedded, the sweep loop delivers.
    The task is sent by name: `tasks` imports this module, not the other way round."""
    tasks.kick(TASK)


def claim(now: datetime, limit: int) -> list[OutboundMessage]:
    """The due messages, leased to the caller (see `leases.Queue.claim`)."""
    return QUEUE.claim(now, limit)


def _email(message: OutboundMessage, connection: Any) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message.message_id, **message.headers},
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for name, content, mimetype in attachments.of(message):
        email.attach(name, content, mimetype)
    return email


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send what is due; returns counts. Safe to run in several processes at once."""
    now = now or clock.now()
    # Never send on a lease that has run out (see the loop below).
    stop_at = time.monotonic() + LEASE.total_seconds() * 0.8
    rows = claim(now, limit)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for row in [row for row in rows if mailboxes.is_ours(row.to)]:
        # Queued before the desk refused its own addresses.
        QUEUE.give_up(row, OWN_ADDRESS)
        counts["failed"] += 1
    rows = [row for row in rows if not mailboxes.is_ours(row.to)]
    # Queued before its address was suppressed, or by a way in that writes rows itself.
    held = suppression.hold_queued(rows)
    if held:
        counts["held"] = len(held)
    rows = [row for row in rows if row.pk not in held]
    if not rows:
        return counts
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        for row in rows:
            counts[_retry(row, now, exc)] += 1
        return counts
    # Never send on a lease that has run out: another worker may have taken the row by then.
    # What is left when the lease is nearly over goes back to the queue for the next claim.
    try:
        for index, row in enumerate(rows):
            if time.monotonic() > stop_at:
                left = rows[index:]
                OutboundMessage.objects.filter(pk__in=[r.pk for r in left]).update(locked_until=None)
                counts["returned"] = len(left)
                break
            try:
                _email(row, connection).send()
            except Exception as exc:
                counts[_retry(row, now, exc)] += 1
                continue
            QUEUE.done(row, sent_at=clock.now())
            counts["sent"] += 1
    finally:
        connection.close()
    return counts


def _retry(row: OutboundMessage, now: datetime, exc: Exception) -> str:
    return QUEUE.retry(row, now, exc, f"delivery of {row.kind} to {row.to}")
