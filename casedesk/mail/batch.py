"""Intake's engine: stored messages, one or many, looked up, decided and written together.

Every message goes through here, whether it came on its own (`intake.ingest`, the SMTP
listener's lone message, the retry sweep) or with many (a mailbox's backlog, `ingest_email`
with many files): a lone message is a batch of one. The raw messages are stored with one
insert and committed first (`inbound.store_many`). Then, in arrival order, the messages
still to take are looked up together (`lookups.look_up`), each is decided
(`decisions.decide`), and the longest first stretch that can be written together is: new
cases through `actions.open_cases`, replies to open cases through `actions.add_comments`,
and the messages that need nothing but their outcome (an automatic reply, a stranger);
the outcomes are recorded with one statement.

A message of another kind (a bounce, a contact who is not an MPOC, a reply to a closed
case) ends the stretch, and so does one that answers a message of the stretch, names a
case that does not exist (perhaps one the stretch opens) or comes from someone a message
of the stretch also went to (To, Cc), who may become a participant of its case. The
stretch is written, the rest is looked up again, and a message of another kind at the head
is taken on its own. So every message sees the effects of those before it, as if they were
taken one at a time.

A stretch is written in its own transaction (within the batch's, whose outcomes commit
together; a lone message's is the batch's; claims and readings come before, outside
them). If it fails, it is rolled back and its messages are taken one at a time; a
message that fails on its own stays pending, is retried with backoff by the sweep, and is
quarantined with the reason after the last attempt. Nothing is lost either way.

The messages are read in the parser's own process (`parsing`), never in this one. One over
the parser's limits, or that runs its parser out of memory, is quarantined with the
reason at once; one whose parser dies or overruns its time counts a failed attempt (the
machine may be to blame). A message taken up as many times as attempts are allowed
without an outcome (its intake died with it each time) is quarantined when it comes again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.cases import actions, notices
from casedesk.core import bulk, clock
from casedesk.core.errors import Refused
from casedesk.mail import decisions, effects, inbound, lookups, parsing, routing, senders
from casedesk.mail.decisions import Decision, Kind
from casedesk.mail.inbound import Envelope, Result
from casedesk.mail.models import InboundMessage
from casedesk.mime import parse
from casedesk.mime.authentication import Authentication
from casedesk.outbox.models import MessageLink

log = logging.getLogger(__name__)

# The kinds whose effects are taken one message at a time.
ALONE = (Kind.BOUNCE, Kind.NOT_MPOC, Kind.REPLY_TO_CLOSED, Kind.MACD)
BATCH = 100  # messages processed together at most


@dataclass
class _Item:
    index: int  # position in the batch
    row: InboundMessage
    parsed: parse.ParsedMessage
    origin: notices.Origin  # what its notices answer
    checked: Authentication | None = None  # whether its sender is who it says (`senders`)
    copies: list[str] | None = None  # `effects.copied`, once asked

    def copied(self) -> list[str]:
        if self.copies is None:
            self.copies = effects.copied(self.parsed)
        return self.copies

    @property
    def message(self) -> lookups.Message:
        return lookups.Message(self.parsed, [a for a in self.row.envelope_to.split("\n") if a])


@dataclass
class _Plan:
    """What one message of a stretch becomes: an opening, a comment, or just its outcome."""

    item: _Item
    opening: actions.Opening | None = None
    comment: actions.Comment | None = None
    result: Result | None = None
    why: str = ""  # why it became the opening or the comment (`decisions.why`)


@dataclass
class _Stretch:
    plans: list[_Plan]
    router: routing.Router
    head: Decision | None = None  # with no plans: the first message's, to take on its own


def ingest_many(
    raws: Sequence[bytes],
    *,
    source: str = "cli",
    batch: int = BATCH,
    envelopes: Sequence[Envelope] | None = None,
) -> list[Result]:
    """Ingest messages; per batch (`_spans`) the raw bytes are stored and committed first,
    then processed, the batch's outcomes committing together. A crash before that commit
    leaves the batch stored and pending, and `retry_inbound` processes it again.

    The parser's processes read each batch while the batch before it is written (a thread
    that waits on them, so the two overlap on two cores); a parse begun ahead is used only
    for the rows this call stored from those very bytes."""
    results: list[Result] = []
    spans = _spans(len(raws), batch)
    if not spans:
        return results
    if len(raws) == 1:
        return _ingest_one(raws[0], source, envelopes[0] if envelopes else None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-ahead") as ahead:
        start, end = spans[0]
        upcoming = ahead.submit(parsing.read_many, raws[start:end])
        for number, (start, end) in enumerate(spans):
            current = upcoming
            if number + 1 < len(spans):
                following, after = spans[number + 1]
                upcoming = ahead.submit(parsing.read_many, raws[following:after])
            chunk = envelopes[start:end] if envelopes else None
            stored = inbound.store_many(raws[start:end], source=source, envelopes=chunk)
            results.extend(take(stored, readings=_taken(current)))
    return results


def _ingest_one(raw: bytes, source: str, envelope: Envelope | None) -> list[Result]:
    """A lone message (the SMTP listener's): the parser reads it while it is stored, handed
    over without a thread of its own (`parsing.begin`), within the same time limit."""
    # A parser that cannot start now must not keep the message from being stored: it is
    # read later.
    try:
        ahead = parsing.begin(raw)
    except Exception:
        log.exception("the parser could not take a message ahead")
        ahead = None
    try:
        stored = inbound.store_many([raw], source=source, envelopes=[envelope] if envelope else None)
        return take(stored, ahead=ahead)
    finally:
        if ahead is not None:
            ahead.close()  # nothing if its answer was taken


def _spans(count: int, batch: int) -> list[tuple[int, int]]:
    """The batches of `count` messages, as (start, end). With more than one, the first two
    are a quarter and a half of `batch`: the first batch's parse is the one nothing
    overlaps, and the second's is done while the first, shorter, is written."""
    sizes = [max(1, batch // 4), max(1, batch // 2)] if count > batch else []
    spans: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = sizes.pop(0) if sizes else batch
        spans.append((start, min(count, start + size)))
        start += size
    return spans


def _taken(future: Future[list[parse.ParsedMessage | parsing.Unparseable]]) -> list[Any] | None:
    """A batch's parse begun ahead, or None (its messages are then read as they are taken):
    a parser that could not start must not keep the messages from being stored."""
    try:
        return future.result()
    except Exception:
        log.exception("the parser could not read a batch ahead")
        return None


def take(
    stored: Sequence[tuple[InboundMessage, bool]],
    now: datetime | None = None,
    *,
    ahead: parsing.Pending | None = None,
    readings: Sequence[Any] | None = None,
) -> list[Result]:
    """Process stored messages, each given with whether the caller holds its lease (having
    just stored it); any other pending one is claimed first, with its attempt counted and
    committed before it is read, so that an intake that dies with it still counts it.
    `ahead`: the parse of the first message's raw bytes, begun by the caller; `readings`:
    the parse of each stored message's raw bytes, in order, made by the caller."""
    results: list[Result | None] = [None] * len(stored)
    run, again = _read(stored, now or clock.now(), results, ahead, readings)
    if len(run) <= 1:  # a lone message's processing is its own transaction already
        _take_run(run, results)
    else:
        with transaction.atomic():
            _take_run(run, results)
    for index, earlier in again:
        done = results[earlier]
        assert done is not None
        reason = f"already received (message {done.inbound_id}: {done.outcome})"
        results[index] = Result("duplicate", done.case, reason, done.inbound_id)
    return [r for r in results if r is not None]


def _read(
    stored: Sequence[tuple[InboundMessage, bool]],
    now: datetime,
    results: list[Result | None],
    ahead: parsing.Pending | None = None,
    given: Sequence[Any] | None = None,
) -> tuple[list[_Item], list[tuple[int, int]]]:
    """The messages to take, claimed and read; the others' results are set. Also where a
    message came again in `stored` (and where it came first)."""
    run: list[_Item] = []
    to_read: list[tuple[int, InboundMessage]] = []
    first: dict[int, int] = {}  # a row processed by this batch -> where it came first
    again: list[tuple[int, int]] = []  # (where it came again, where it came first)
    for index, (row, leased) in enumerate(stored):
        if id(row) in first:
            again.append((index, first[id(row)]))
            continue
        if not leased:
            if row.state != InboundMessage.State.PENDING:
                results[index] = inbound.already(row)
                continue
            if not inbound.claim(row, now):
                reason = f"message {row.pk} is being processed elsewhere"
                results[index] = Result("duplicate", None, reason, row.pk)
                continue
        first[id(row)] = index
        if row.attempts > settings.CASEDESK_INBOUND_MAX_ATTEMPTS:
            results[index] = inbound.worn_out(row)  # taken up as often as allowed, never finished
            continue
        to_read.append((index, row))
    # Read in the parser's own process; a message that stops it is tried again later. The
    # parse begun ahead is of the first message's bytes: the row's own if this call stored it.
    begun = ahead.result() if ahead is not None else None
    known: dict[int, Any] = {}
    if begun is not None and to_read and to_read[0][0] == 0 and stored[0][1]:
        known[0] = begun
    if given is not None and len(given) == len(stored):
        known.update({index: given[index] for index, _ in to_read if stored[index][1]})
    unread = [(index, row) for index, row in to_read if index not in known]
    if unread:
        found = parsing.read_many([bytes(row.raw) for _, row in unread])
        known.update(zip((index for index, _ in unread), found, strict=True))
    readings = [known[index] for index, _ in to_read]
    for (index, row), parsed in zip(to_read, readings, strict=True):
        if isinstance(parsed, parsing.ParserStopped):
            results[index] = inbound.failed(row, parsed)
        elif isinstance(parsed, parsing.Unparseable):
            results[index] = _unreadable(row, str(parsed))
        else:
            run.append(_Item(index, row, parsed, effects.origin_of(parsed), senders.check(row, parsed)))
    return run, again


def _unreadable(row: InboundMessage, why: str) -> Result:
    return inbound.settle([(row, None, Result("quarantined", None, f"The message cannot be read: {why}"))])[0]


def _take_run(run: list[_Item], results: list[Result | None]) -> None:
    while run:
        stretch: _Stretch | None = None
        try:
            with transaction.atomic():
                stretch = _plan(run)
                if stretch.plans:
                    stretch.router.save()
                    for plan, result in zip(stretch.plans, _write(stretch.plans), strict=True):
                        results[plan.item.index] = result
                else:
                    assert stretch.head is not None
                    results[run[0].index] = _alone(run[0], stretch.head)
        except Exception as exc:
            # Rolled back to before the stretch (or to before planning it, when that failed).
            failed = run if stretch is None else [plan.item for plan in stretch.plans] or run[:1]
            if len(failed) == 1:
                row = failed[0].row
                log.exception("processing inbound message %s failed (attempt %d)", row.pk, row.attempts)
                results[failed[0].index] = inbound.failed(row, exc)
            else:
                log.exception("taking %d messages together failed; taking them one at a time", len(failed))
                for item in failed:
                    _take_run([item], results)
            run = run[len(failed) :]
            continue
        run = run[len(stretch.plans) or 1 :]  # the rest is looked up again, after the stretch


def _plan(run: list[_Item]) -> _Stretch:
    """Plans for the run's longest first stretch of messages to write together; with none,
    the decision on the first message, to take on its own."""
    decided = [
        decisions.decide(item.parsed, found, item.checked)
        for item, found in zip(run, lookups.look_up([item.message for item in run]), strict=True)
    ]
    # Only new messages need platforms and a turn in a rotation (whose rows are locked).
    openers = {d.found.contact.organisation_id for d in decided if d.kind == Kind.NEW and d.found.contact}
    platforms = routing.platforms_of(openers)
    router = routing.Router(clock.now())
    router.prepare(p.team for offered in platforms.values() for p in offered if p.team is not None)
    plans: list[_Plan] = []
    linked: set[str] = set()  # Message-IDs the stretch links to cases
    copied: set[str] = set()  # addresses the stretch may copy on cases
    for item, decision in zip(run, decided, strict=True):
        parsed, found = item.parsed, decision.found
        if plans and (linked.intersection(parsed.thread_ids) or found.how == lookups.UNKNOWN):
            break  # it may answer a message of the stretch, or name a case the stretch opens
        if plans and parsed.sender in copied:
            break  # the stretch may make its sender a participant
        if decision.kind in ALONE:
            return _Stretch(plans, router, None if plans else decision)
        if decision.ends_here:
            plans.append(_Plan(item, result=decisions.outcome(parsed, decision)))
            continue
        if decision.kind == Kind.NEW:
            assert found.contact is not None
            offered = platforms.get(found.contact.organisation_id, [])
            opening = effects.opening_for(
                parsed, found.contact, router, offered, item.origin, decision.verified
            )
            plans.append(_Plan(item, opening=opening, why=decisions.why(parsed, decision)))
        else:
            assert decision.kind == Kind.REPLY and found.case is not None
            comment = effects.comment_for(parsed, found.case, found.contact, item.origin, decision.verified)
            plans.append(_Plan(item, comment=comment, why=decisions.why(parsed, decision)))
        if parsed.message_id:
            linked.add(parsed.message_id)
        copied.update(item.copied())
    return _Stretch(plans, router)


def _write(plans: list[_Plan]) -> list[Result]:
    """The stretch's openings and comments, their Message-IDs and their outcomes."""
    openings = [(p, p.opening) for p in plans if p.opening is not None]
    comments = [(p, p.comment) for p in plans if p.comment is not None]
    opened = actions.open_cases([opening for _, opening in openings]) if openings else []
    added = actions.add_comments([comment for _, comment in comments]) if comments else []
    done = {p.item.index: p.result for p in plans if p.result is not None}
    links: list[MessageLink] = []
    now = clock.now()
    for (plan, opening), outcome in zip(openings, opened, strict=True):
        if isinstance(outcome, Refused):
            done[plan.item.index] = Result("quarantined", None, f"Refused by the case rules: {outcome}")
            continue
        done[plan.item.index] = Result("created", outcome.case.number, plan.why, event_id=outcome.event.pk)
        links.append(effects.link(outcome.case, plan.item.parsed, now))
        effects.copy_on(outcome.case, plan.item.parsed, opening.by, plan.item.copied())
    for (plan, comment), event in zip(comments, added, strict=True):
        if isinstance(event, Refused):
            done[plan.item.index] = Result("quarantined", None, f"Refused by the case rules: {event}")
            continue
        done[plan.item.index] = Result("appended", comment.case.number, plan.why, event_id=event.pk)
        links.append(effects.link(comment.case, plan.item.parsed, now))
        effects.copy_on(comment.case, plan.item.parsed, comment.by, plan.item.copied())
    bulk.insert([link for link in links if link.message_id])
    return inbound.settle([(p.item.row, p.item.parsed, done[p.item.index]) for p in plans])


def _alone(item: _Item, decision: Decision) -> Result:
    """A message whose effects are its own, in its own savepoint: refused by the case
    rules, they are undone and the message quarantined with the reason."""
    found = decision.found
    try:
        with transaction.atomic():
            if decision.kind == Kind.BOUNCE:
                result = effects.bounce(item.row, item.parsed, found.outbound)
            elif decision.kind == Kind.NOT_MPOC:
                assert found.contact is not None
                result = effects.not_mpoc(found.contact, item.origin)
            elif decision.kind == Kind.MACD:
                assert found.contact is not None
                result = effects.macd_request(item.parsed, found.contact, item.origin, decision.verified)
            else:
                assert decision.kind == Kind.REPLY_TO_CLOSED and found.case is not None
                result = effects.reply_to_closed(
                    item.parsed, found.case, found.contact, item.origin, decision.verified
                )
    except Refused as exc:
        result = Result("quarantined", None, f"Refused by the case rules: {exc}")
    return inbound.settle([(item.row, item.parsed, result)])[0]
