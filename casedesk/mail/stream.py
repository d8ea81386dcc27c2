"""The SMTP/LMTP listener's intake: each message acknowledged once it is stored, and the
stored messages processed in groups, as a backlog is.

A message handed over (`Stream.submit`) is stored raw and committed (`inbound.store_many`;
messages handed over together go in with one insert) and its sender is told at once: it
is ours from then on. The stored messages are then processed by the same thread, every
one stored and not yet processed, in arrival order, as one batch (`batch.take`): looked
up together, written with one insert per table, their outcomes committed together.

A sender that waits for each answer before sending the next (one SMTP connection) could
otherwise never make a group: the next message is stored only after the one before it is
processed. So once messages come one behind another (one arrived while the thread was busy,
or within `gap` of the one before), the thread waits for the next up to `gap` before
processing the group, never longer than `longest` after the group's first was stored nor
beyond `most` messages. A message after a pause is processed at once. One thread does both
on one database connection: on SQLite, which takes one writer at a time, a message could
not be stored while a group is written anyway, and on either database a store never waits
on a lock held by the group.

Nothing is lost: a message is acknowledged only once stored, leased to this intake. If the
intake dies before its group commits, the message stays stored and pending and is taken
again after its lease (`intake.retry_due`: the `retry_inbound` sweep, and a stream when it
starts). A message that fails is retried or quarantined with its reason on its own, not
with its group (`batch.take`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connections

from casedesk.mail import batch, inbound, intake, parsing
from casedesk.mail.inbound import Result
from casedesk.mail.models import InboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    """What the sender is told: the stored message, and whether it was stored before."""

    inbound_id: int
    again: bool  # the same message (fingerprint) was stored before


@dataclass
class Ticket:
    """A message handed over: `stored` is set once it is committed (or fails to be), `done`
    once its group is processed."""

    raw: bytes
    envelope: inbound.Envelope
    arrived: float
    behind: bool  # it arrived while the thread was busy or another was waiting
    stored: Future[Stored] = field(default_factory=Future)
    done: Future[Result] = field(default_factory=Future)


@dataclass
class _Waiting:
    """A stored message still to process."""

    ticket: Ticket
    row: InboundMessage
    leased: bool
    reading: Future[list[Any]] | None  # its store's parse, begun as it was stored
    position: int  # its place in that parse


class Stream:
    def __init__(
        self, source: str, *, most: int = batch.BATCH, gap: float = 0.005, longest: float = 0.25
    ) -> None:
        self.source = source
        self.most, self.gap, self.longest = most, gap, longest
        self._cond = threading.Condition()
        self._arrived: list[Ticket] = []
        self._stored: list[_Waiting] = []
        self._busy = False
        self._recovering = False
        self._closing = False
        self._last_arrival = float("-inf")
        self._first_stored = self._last_stored = 0.0
        self._parse = ThreadPoolExecutor(1, thread_name_prefix="mail-parse-ahead")
        self._thread: threading.Thread | None = None
        self.groups = 0  # groups processed so far

    def start(self, *, recover: bool = True) -> Stream:
        self._recovering = recover  # until the messages left pending are taken (`wait_idle`)
        self._thread = threading.Thread(
            target=self._run, args=(recover,), name=f"mail-intake-{self.source}", daemon=True
        )
        self._thread.start()
        return self

    def submit(self, raw: bytes, mail_from: str = "", rcpt_tos: Sequence[str] = ()) -> Ticket:
        now = time.monotonic()
        with self._cond:
            behind = self._busy or bool(self._arrived) or now - self._last_arrival < self.gap
            ticket = Ticket(raw, (mail_from, list(rcpt_tos)), now, behind)
            self._last_arrival = now
            self._arrived.append(ticket)
            self._cond.notify()
        return ticket

    def wait_idle(self, timeout: float = 60) -> None:
        """Until every message handed over so far is processed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._arrived or self._stored or self._busy or self._recovering:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the intake did not finish in time")
                self._cond.wait(left)

    def close(self, timeout: float = 60) -> None:
        """Process what is stored, then end the thread (and its database connection)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self._parse.shutdown(wait=True)

    # --- the intake thread ---------------------------------------------------------------

    def _run(self, recover: bool) -> None:
        try:
            if recover:
                try:
                    self._recover()
                finally:
                    with self._cond:
                        self._recovering = False
                        self._cond.notify_all()
            while True:
                work = self._next()
                if work is None:
                    return
                kind, items = work
                try:
                    if kind == "store":
                        self._store(items)
                    else:
                        self._process(items)
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()
        finally:
            connections.close_all()

    def _recover(self) -> None:
        """Messages stored earlier and still pending, due and not leased (an intake that
        stopped before processing them), are taken before new ones."""
        try:
            found = intake.retry_due()
        except Exception:
            log.exception("taking the stored messages still pending failed")
            connections.close_all()
        else:
            if found:
                log.info("took the stored messages still pending: %s", found)

    def _next(self) -> tuple[str, list[Any]] | None:
        with self._cond:
            while True:
                if self._arrived:
                    arrived, self._arrived = self._arrived[: self.most], self._arrived[self.most :]
                    self._busy = True
                    return "store", arrived
                if self._stored:
                    wait = self._linger()
                    if wait <= 0:
                        group, self._stored = self._stored[: self.most], self._stored[self.most :]
                        self._busy = True
                        return "process", group
                    self._cond.wait(wait)
                    continue
                if self._closing:
                    return None
                self._cond.wait()

    def _linger(self) -> float:
        """How long to wait for more before processing what is stored."""
        if self._closing or len(self._stored) >= self.most or not self._stored[0].ticket.behind:
            return 0.0
        now = time.monotonic()
        # The next message of a stream comes within `gap` of the last one's answer.
        last = max(self._last_arrival, self._last_stored)
        return min(last + self.gap - now, self._first_stored + self.longest - now)

    def _store(self, arrived: list[Ticket]) -> None:
        raws = [t.raw for t in arrived]
        try:
            reading: Future[list[Any]] | None = self._parse.submit(parsing.read_many, raws)
        except RuntimeError:  # shut down: the messages are read as they are taken
            reading = None
        try:
            stored = inbound.store_many(raws, source=self.source, envelopes=[t.envelope for t in arrived])
        except BaseException as exc:
            log.exception("storing %d messages failed", len(arrived))
            connections.close_all()  # the next store starts on a fresh connection
            for ticket in arrived:
                ticket.stored.set_exception(exc)
                ticket.done.set_exception(exc)
            return
        waiting = [
            _Waiting(ticket, row, leased, reading, position)
            for position, (ticket, (row, leased)) in enumerate(zip(arrived, stored, strict=True))
        ]
        with self._cond:
            self._last_stored = time.monotonic()
            if not self._stored:
                self._first_stored = self._last_stored
            self._stored.extend(waiting)
        for ticket, (row, leased) in zip(arrived, stored, strict=True):
            ticket.stored.set_result(Stored(row.pk, again=not leased))

    def _process(self, group: list[_Waiting]) -> None:
        self.groups += 1
        try:
            results = batch.take([(w.row, w.leased) for w in group], readings=_readings(group))
        except BaseException as exc:
            # Still stored and pending, leased to this intake: `retry_inbound` takes them
            # after the lease.
            log.exception("processing %d stored messages failed", len(group))
            connections.close_all()
            for w in group:
                w.ticket.done.set_exception(exc)
            return
        for w, result in zip(group, results, strict=True):
            w.ticket.done.set_result(result)


def _readings(group: list[_Waiting]) -> list[Any] | None:
    """The group's parse, begun as each was stored, or None (the group's messages are then
    read as they are taken): a parser that failed must not keep them from being processed."""
    out = []
    for w in group:
        if w.reading is None:
            return None
        try:
            out.append(w.reading.result()[w.position])
        except Exception:
            log.exception("the parser could not read messages ahead")
            return None
    return out
