"""Write notifications with the change that caused them; deliver them after commit.

Delivery claims due rows under a lease (`leases.Queue`). A batch of a few rows goes over one
reused SMTP connection, each marked sent in its own transaction right after the server
accepted it. A larger batch (a fan-out) is built as bytes (`wire`) and sent over
`CONNECTIONS` reused connections at once, each in its own thread: a relay answers one
message at a time per connection, so parallel connections are what raise the rate, on a
real relay more than on loopback. Its accepted rows are marked sent `MARK_EVERY` at a time,
one UPDATE each, by the thread that claimed them (only it uses the database); a failed row
is retried on its own. A worker killed mid-batch leaves the rest pending; once the lease
runs out another worker sends them. The window for a repeat is between the server's
acceptance and the mark: one message for a small batch, at most `UNMARKED` for a large one
(the connections wait while that many are sent and not yet marked); a stopping worker
(SystemExit, an error) still marks what was accepted. A repeat carries the same Message-ID.

Nothing is kept or sent addressed to one of the desk's own intake addresses (`sendable`,
asked by every way in: `save`, `save_many`, the fan-out of status notices, and delivery
for rows queued before the check): it would come back in as a new message. One to an
address that complained or bounced for good is kept but held (`suppression.hold`).
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casedesk.branding import brands
from casedesk.core import bulk, clock, mailboxes, tasks, when
from casedesk.outbox import attachments, stencils, suppression, wire
from casedesk.outbox.leases import Queue
from casedesk.outbox.models import OutboundMessage
from casedesk.rules import cpni
from casedesk.rules.text import fold

MAX_ATTEMPTS = 8
# Longer than a batch takes to send; a dead worker's rows go out again once it runs out.
LEASE = timedelta(seconds=settings.CASEDESK_OUTBOX_LEASE_SECONDS)
TASK = "casedesk.deliver_outbox"  # the Celery task that delivers (`outbox.tasks`)

QUEUE = Queue(OutboundMessage, lease=LEASE, max_attempts=MAX_ATTEMPTS)
CONNECTIONS = 4  # SMTP connections a large batch is sent over at once
PARALLEL_FROM = 50  # rows in a batch from which it is sent over several connections
MARK_EVERY = 50  # accepted rows of a large batch marked sent by one UPDATE
UNMARKED = 2 * MARK_EVERY  # at most this many sent and not yet marked: what a crash repeats
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
    if len(rows) >= PARALLEL_FROM and isinstance(connection, SmtpBackend):
        return _deliver_parallel(rows, connection, now, stop_at, counts)
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
                _return(rows[index:], counts)
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


def _return(rows: Sequence[OutboundMessage], counts: dict[str, int]) -> None:
    OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).update(locked_until=None)
    counts["returned"] = counts.get("returned", 0) + len(rows)


# Refusals of one message; the connection is still good for the next (smtplib resets it).
_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
_DONE = object()


def _envelope(row: OutboundMessage, memo: wire.Memo) -> tuple[str, str, bytes]:
    """The sender, recipient and bytes that Django's SMTP backend would send for `row`."""
    charset = settings.DEFAULT_CHARSET
    sender = memo.envelope_from
    if not sender:
        sender = memo.envelope_from = sanitize_address(settings.DEFAULT_FROM_EMAIL, charset)
    recipient = row.to if wire.plain_address(row.to) else sanitize_address(row.to, charset)
    data = None
    if not row.attachments and row.kind not in attachments.PROVIDERS:
        data = wire.wire(
            subject=row.subject,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=row.to,
            headers={"Message-ID": row.message_id, **row.headers},
            text=row.text,
            html=row.html,
            memo=memo,
        )
    if data is None:
        data = _email(row, None).message().as_bytes(linesep="\r\n")
    return sender, recipient, data


def _transmit(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    smtp.sendmail(sender, [recipient], data)


class _Sender(threading.Thread):
    """One reused connection taking prepared messages from the batch's shared queue until
    it is empty, the lease is nearly over or the batch stops; it reports each outcome and
    never touches the database."""

    def __init__(
        self,
        backend: SmtpBackend,
        outgoing: deque[Any],
        results: queue.SimpleQueue[Any],
        slots: threading.Semaphore,
        stop: threading.Event,
        stop_at: float,
    ) -> None:
        super().__init__(daemon=True)
        self.backend, self.outgoing, self.results = backend, outgoing, results
        self.slots, self.stop, self.stop_at = slots, stop, stop_at

    def run(self) -> None:
        try:
            while self._slot():
                try:
                    index, sender, recipient, data = self.outgoing.popleft()
                except IndexError:
                    break
                try:
                    if self.backend.connection is None:
                        self.backend.open()
                    assert self.backend.connection is not None
                    _transmit(self.backend.connection, sender, recipient, data)
                except _REFUSALS as exc:
                    self.results.put((index, exc))
                except Exception as exc:
                    # The connection is gone; the row waits its backoff, the next gets a new one.
                    self.results.put((index, exc))
                    self._close()
                    try:
                        self.backend.open()
                    except Exception:
                        break  # the other connections take the rest
                else:
                    self.results.put((index, None))
        except BaseException as exc:  # the worker is going down: the batch stops
            self.results.put((None, exc))
        finally:
            self._close()
            self.results.put(_DONE)

    def _slot(self) -> bool:
        """Wait until fewer than UNMARKED messages are sent and not yet marked; False once
        the batch stops or the lease is nearly over."""
        while not self.stop.is_set() and time.monotonic() <= self.stop_at:
            if self.slots.acquire(timeout=0.05):
                return True
        return False

    def _close(self) -> None:
        try:
            self.backend.close()
        except Exception:
            self.backend.connection = None


def _deliver_parallel(
    rows: list[OutboundMessage], first: SmtpBackend, now: datetime, stop_at: float, counts: dict[str, int]
) -> dict[str, int]:
    try:
        first.open()
    except Exception as exc:
        for row in rows:
            counts[_retry(row, now, exc)] += 1
        return counts
    memo = wire.Memo()
    # Built here: a kind's attachments may be read from the database, which only this thread uses.
    outgoing: deque[Any] = deque()
    for index, row in enumerate(rows):
        try:
            outgoing.append((index, *_envelope(row, memo)))
        except Exception as exc:  # a header or an address that cannot be written
            counts[_retry(row, now, exc)] += 1
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()
    slots, stop = threading.Semaphore(UNMARKED), threading.Event()
    count = min(CONNECTIONS, -(-len(rows) // (PARALLEL_FROM // 2)))
    senders = [
        _Sender(first if n == 0 else get_connection(), outgoing, results, slots, stop, stop_at)
        for n in range(count)
    ]
    accepted: list[OutboundMessage] = []
    failed: dict[int, Exception] = {}
    crash: BaseException | None = None
    started = running = 0
    try:
        for sender in senders:
            sender.start()
            started = running = started + 1
        while running:
            item = results.get()
            if item is _DONE:
                running -= 1
                continue
            index, outcome = item
            if index is None:
                crash = crash or outcome
                stop.set()
            elif outcome is None:
                accepted.append(rows[index])
                if len(accepted) >= MARK_EVERY:
                    _mark_sent(accepted, counts)
                    slots.release(len(accepted))
                    accepted = []
            else:
                failed[index] = outcome
                slots.release()
    finally:
        stop.set()
        for sender in senders[:started]:
            sender.join()
        while not results.empty():
            item = results.get()
            if item is not _DONE and item[0] is not None and item[1] is None:
                accepted.append(rows[item[0]])
        _mark_sent(accepted, counts)
    for index, error in failed.items():
        counts[_retry(rows[index], now, error)] += 1
    if crash is not None:
        raise crash
    left = [rows[item[0]] for item in outgoing]
    if left:
        last = next(reversed(failed.values()), None)
        if time.monotonic() > stop_at or last is None:
            _return(left, counts)  # the lease is nearly over: the next claim takes them
        else:
            for row in left:  # every connection failed
                counts[_retry(row, now, last)] += 1
    return counts


def _mark_sent(rows: list[OutboundMessage], counts: dict[str, int]) -> None:
    if rows:
        QUEUE.done_many(rows, sent_at=clock.now())
        counts["sent"] += len(rows)


def _retry(row: OutboundMessage, now: datetime, exc: Exception) -> str:
    return QUEUE.retry(row, now, exc, f"delivery of {row.kind} to {row.to}")
