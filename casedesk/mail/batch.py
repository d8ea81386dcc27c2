"""Intake of many messages at once: a mailbox's backlog, `ingest_email` with many files.

Each message is decided by the same rules as `intake.process` and written by the same
actions; what differs is how the work is done. The raw messages of a batch are stored
with one insert and committed first. Then, for a run of messages in arrival order, the
look-ups are made together (threads, cases, contacts, thread participants, platforms),
new cases go through `actions.open_cases` and replies through `actions.add_comments` for
the whole run, and the outcomes are written with one statement.

Only the two common kinds ride in a run: a new message from an MPOC and a reply from a
participant to an open case. Anything else (a bounce, an automatic reply, a stranger, a
non-MPOC, a reply to a closed case, an unreadable message) ends the run: the run so far
is written, that message goes through `intake.process` on its own, and a new run starts
after it. A reply to a message earlier in the same run also ends it, so that every
message sees the effects of those before it, as if they were taken one at a time. If
writing a run fails, it is rolled back and its messages go through `intake.process` one
by one, each with its own retries and quarantine: nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from casedesk.accounts.models import Contact
from casedesk.cases import actions, notices
from casedesk.cases.models import Case
from casedesk.core import bulk, clock
from casedesk.core.errors import Refused
from casedesk.mail import intake, routing
from casedesk.mail.intake import Result
from casedesk.mail.models import InboundMessage
from casedesk.mime import parse
from casedesk.outbox.models import MessageLink

log = logging.getLogger(__name__)


@dataclass
class _Item:
    index: int  # position in the batch
    row: InboundMessage
    parsed: parse.ParsedMessage
    origin: notices.Origin  # what its notices answer


@dataclass
class _Plan:
    """What a run's first messages become: an opening or a comment each."""

    item: _Item
    opening: actions.Opening | None = None
    comment: actions.Comment | None = None


Envelope = tuple[str, Sequence[str]]  # MAIL FROM and RCPT TO, when the message came by SMTP


def ingest_many(
    raws: Sequence[bytes],
    *,
    source: str = "cli",
    batch: int = 100,
    envelopes: Sequence[Envelope] | None = None,
) -> list[Result]:
    """Ingest several messages; per batch the raw bytes are stored and committed first,
    then processed, the batch's outcomes committing together. A crash before that commit
    leaves the batch stored and pending, and `retry_inbound` processes it again."""
    if len(raws) == 1:  # nothing to share: the one-message path is the shorter one
        mail_from, rcpt_tos = envelopes[0] if envelopes else ("", ())
        return [intake.ingest(raws[0], source=source, envelope_from=mail_from, envelope_to=rcpt_tos)]
    results: list[Result] = []
    for start in range(0, len(raws), batch):
        chunk = raws[start : start + batch]
        with transaction.atomic():
            stored = store_many(
                chunk, source=source, envelopes=envelopes[start : start + batch] if envelopes else None
            )
        with transaction.atomic():
            results.extend(_process(stored))
    return results


def store_many(
    raws: Sequence[bytes], *, source: str, envelopes: Sequence[Envelope] | None = None
) -> list[tuple[InboundMessage, bool]]:
    """`intake.store` for several messages with one look-up and one insert. A message seen
    before (or twice in this batch) comes back as the row already stored, not created."""
    envelopes = envelopes or [("", ())] * len(raws)
    now = clock.now()
    rows = [
        intake.new_row(raw, source=source, now=now, envelope_from=mail_from, envelope_to=rcpt_tos)
        for raw, (mail_from, rcpt_tos) in zip(raws, envelopes, strict=True)
    ]
    stored = InboundMessage.objects.filter(fingerprint__in={r.fingerprint for r in rows})
    known = {row.fingerprint: row for row in stored.select_related("case")}
    out: list[tuple[InboundMessage, bool]] = []
    new: list[InboundMessage] = []
    for row in rows:
        if row.fingerprint in known:
            out.append((known[row.fingerprint], False))
            continue
        known[row.fingerprint] = row
        new.append(row)
        out.append((row, True))
    try:
        with transaction.atomic():
            bulk.insert(new)
    except IntegrityError:  # another intake stored one of them meanwhile: one at a time
        return [
            intake.store(raw, source=source, envelope_from=mail_from, envelope_to=rcpt_tos)
            for raw, (mail_from, rcpt_tos) in zip(raws, envelopes, strict=True)
        ]
    return out


def _process(stored: list[tuple[InboundMessage, bool]]) -> list[Result]:
    results: list[Result | None] = [None] * len(stored)
    run: list[_Item] = []
    first: dict[int, int] = {}  # a row stored by this batch -> where it came first
    again: list[tuple[int, int]] = []  # (where it came again, where it came first)
    for index, (row, created) in enumerate(stored):
        if created:
            first[id(row)] = index
        elif id(row) in first:
            again.append((index, first[id(row)]))
            continue
        if not created and row.state != InboundMessage.State.PENDING:
            number = row.case.number if row.case_id and row.case else None
            reason = f"already received (message {row.pk}: {row.outcome})"
            results[index] = Result("duplicate", number, reason, row.pk)
            continue
        parsed = _parse(row) if created else None
        if parsed is None or parsed.bounce is not None or parsed.automatic or not parsed.sender:
            _write_run(run, results)
            run = []
            results[index] = intake.process(row, claimed=created)
            continue
        run.append(_Item(index, row, parsed, intake.origin_of(parsed)))
    _write_run(run, results)
    for index, earlier in again:
        done = results[earlier]
        assert done is not None
        reason = f"already received (message {done.inbound_id}: {done.outcome})"
        results[index] = Result("duplicate", done.case, reason, done.inbound_id)
    return [r for r in results if r is not None]


def _parse(row: InboundMessage) -> parse.ParsedMessage | None:
    try:
        return parse.parse(bytes(row.raw))
    except Exception:  # unreadable: `intake.process` quarantines it with the reason
        return None


def _write_run(run: list[_Item], results: list[Result | None]) -> None:
    while run:
        plans: list[_Plan] = []
        try:
            with transaction.atomic():
                plans, depends, router = _plan(run)
                if plans:
                    router.save()
                    for plan, result in zip(plans, _write(plans), strict=True):
                        results[plan.item.index] = result
        except Exception:
            # Rolled back to before the stretch: each message goes its own way, with its
            # own retries; then the rest of the run starts afresh.
            failed = [plan.item for plan in plans] or run
            log.exception("taking %d messages together failed; taking them one at a time", len(failed))
            for item in failed:
                results[item.index] = intake.process(item.row, claimed=True)
            run = run[len(failed) :]
            continue
        rest = run[len(plans) :]
        if rest and not depends:
            results[rest[0].index] = intake.process(rest[0].row, claimed=True)
            rest = rest[1:]
        run = rest


def _plan(run: list[_Item]) -> tuple[list[_Plan], bool, routing.Router]:
    """Plans for the run's longest first stretch of plain openings and replies. Also
    whether the stretch ended on a message that depends on one in it (to be planned again
    once the stretch is written) rather than on one for `intake.process`."""
    threads = _threads(run)
    cases = Case.objects.select_related("organisation", "contact").in_bulk(
        {pk for found in threads.values() for pk, _ in found}
    )
    contacts = _contacts({item.parsed.sender for item in run})
    on_thread = _on_thread(run, threads, cases, contacts)
    found = {item.index: _case_of(threads.get(item.index, []), cases) for item in run}
    # Only new messages need platforms and a turn in a rotation (whose rows are locked).
    openers = {
        c.organisation_id
        for item in run
        if found[item.index][0] is None
        for c in contacts.get(item.parsed.sender, [])
    }
    platforms = routing.platforms_of(openers)
    router = routing.Router(clock.now())
    router.prepare(p.team for offered in platforms.values() for p in offered if p.team is not None)
    plans: list[_Plan] = []
    seen_ids: set[str] = set()
    for item in run:
        parsed = item.parsed
        if seen_ids.intersection(parsed.thread_ids):
            return plans, True, router  # answers a message of this stretch: plan again after it
        case, how = found[item.index]
        if case is None and how == "unknown" and plans:
            return plans, True, router  # names a case that may be one this stretch opens
        contact = intake.choose_contact(contacts.get(parsed.sender, []), case)
        if case is not None:
            of_org = contact is not None and contact.organisation_id == case.organisation_id
            if not case.is_open or not (of_org or (case.pk, parsed.sender) in on_thread):
                return plans, False, router
            plans.append(_Plan(item, comment=_comment(item, case, contact if of_org else None)))
        elif contact is None or not contact.is_mpoc:
            return plans, False, router
        else:
            offered = platforms.get(contact.organisation_id, [])
            opening = intake.opening_for(item.parsed, contact, router, offered, item.origin)
            plans.append(_Plan(item, opening=opening))
        if parsed.message_id:
            seen_ids.add(parsed.message_id)
    return plans, False, router


def _threads(run: list[_Item]) -> dict[int, list[tuple[int, str]]]:
    """For each message, the cases it may answer, in the order `intake.find_thread` tries
    them: by Message-ID (In-Reply-To, then References), by subject tag, by plus address."""
    ids = {mid for item in run for mid in item.parsed.thread_ids}
    links: dict[str, int] = {}
    if ids:
        for message_id, case_id in (
            MessageLink.objects.filter(message_id__in=ids).order_by("id").values_list("message_id", "case_id")
        ):
            links[message_id] = case_id
    out: dict[int, list[tuple[int, str]]] = {}
    for item in run:
        found = [(links[mid], "message-id") for mid in item.parsed.thread_ids if mid in links][:1]
        found += [(pk, how) for pk, how in intake.named_cases(item.parsed, _envelope(item.row))]
        if found:
            out[item.index] = found
    return out


def _envelope(row: InboundMessage) -> list[str]:
    return [a for a in row.envelope_to.split("\n") if a]


def _case_of(found: list[tuple[int, str]], cases: dict[int, Case]) -> tuple[Case | None, str]:
    """The first candidate that exists; ("unknown") when one was named but none exists."""
    for pk, how in found:
        if pk in cases:
            return cases[pk], how
    return None, "unknown" if any(how != "message-id" for _, how in found) else ""


def _contacts(addresses: set[str]) -> dict[str, list[Contact]]:
    out: dict[str, list[Contact]] = defaultdict(list)
    rows = (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, active=True, organisation__active=True)
        .select_related("organisation", "user")
        .order_by("id")
    )
    for contact in rows:
        out[contact.email.lower()].append(contact)
    return out


def _on_thread(
    run: list[_Item],
    threads: dict[int, list[tuple[int, str]]],
    cases: dict[int, Case],
    contacts: dict[str, list[Contact]],
) -> set[tuple[int, str]]:
    """(case, address) pairs where the address is on the case's thread, for the senders
    who are not contacts of the case's organisation."""
    pairs = set()
    for item in run:
        for pk, _ in threads.get(item.index, []):
            case = cases.get(pk)
            orgs = {c.organisation_id for c in contacts.get(item.parsed.sender, [])}
            if case is not None and case.organisation_id not in orgs:
                pairs.add((pk, item.parsed.sender))
    if not pairs:
        return set()
    return set(
        MessageLink.objects.filter(
            case_id__in={pk for pk, _ in pairs}, address__in={a for _, a in pairs}
        ).values_list("case_id", "address")
    )


def _comment(item: _Item, case: Case, contact: Contact | None) -> actions.Comment:
    parsed = item.parsed
    uploads, note = intake.uploads_of(parsed)
    body = (intake.reply_text(parsed, case, contact) + note).strip()
    return actions.Comment(
        case=case,
        by=contact or case.contact,
        body=body or "(empty message)",
        uploads=uploads,
        origin=item.origin,
    )


def _write(plans: list[_Plan]) -> list[Result]:
    """The stretch's openings and comments, their Message-IDs and their outcomes."""
    openings = [p for p in plans if p.opening is not None]
    comments = [p for p in plans if p.comment is not None]
    opened = actions.open_cases([p.opening for p in openings if p.opening is not None])
    added = actions.add_comments([p.comment for p in comments if p.comment is not None])
    done: dict[int, Result] = {}
    links: list[MessageLink] = []
    now = clock.now()
    for plan, outcome in zip(openings, opened, strict=True):
        if isinstance(outcome, Refused):
            done[plan.item.index] = Result("quarantined", None, f"Refused by the case rules: {outcome}")
            continue
        done[plan.item.index] = Result("created", outcome.case.number, None, event_id=outcome.event.pk)
        links.append(_link(outcome.case, plan.item, now))
    for plan, event in zip(comments, added, strict=True):
        if isinstance(event, Refused):
            done[plan.item.index] = Result("quarantined", None, f"Refused by the case rules: {event}")
            continue
        assert plan.comment is not None
        done[plan.item.index] = Result("appended", plan.comment.case.number, None, event_id=event.pk)
        links.append(_link(plan.comment.case, plan.item, now))
    bulk.insert([link for link in links if link.message_id])
    out = []
    rows = []
    for plan in plans:
        r = done[plan.item.index]
        rows.append((plan.item.row.pk, intake.settled(plan.item.row, plan.item.parsed, r, now)))
        out.append(Result(r.outcome, r.case, r.reason, plan.item.row.pk, r.event_id))
    bulk.update_rows(InboundMessage, rows)
    return out


def _link(case: Case, item: _Item, now: Any) -> MessageLink:
    return MessageLink(
        message_id=item.parsed.message_id[:255],
        case=case,
        direction=MessageLink.Direction.IN,
        address=item.parsed.sender[:254],
        created_at=now,
    )
