"""What intake looks up about received messages, for any number at once (a message on its
own is a list of one): the case each answers, its sender's contact, whether the sender is
on that case's thread, and for a bounce the message it reports on. Each kind of look-up is
one query for the whole list, or none when no message needs it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models.functions import Lower

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact
from casedesk.cases.models import Case, Participant
from casedesk.core.prepared import Prepared
from casedesk.mime import parse
from casedesk.mime.bounces import Bounce
from casedesk.outbox import threading
from casedesk.outbox.models import MessageLink, OutboundMessage

# A message named a case (subject tag, plus address) that does not exist: perhaps one that
# a message taken in just before it opens.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Message:
    """A received message as the look-ups need it."""

    parsed: parse.ParsedMessage
    envelope_to: Sequence[str] = ()  # RCPT TO, when it came by SMTP


@dataclass(frozen=True)
class Found:
    """What is known of one message."""

    case: Case | None = None
    how: str = ""  # "message-id", "subject tag", "plus address"; UNKNOWN; "" if none named
    contact: Contact | None = None  # the sender's (`choose_contact`)
    participant: bool = False  # the sender may write on `case`
    outbound: OutboundMessage | None = None  # a bounce's original message
    # It answers a reply address of `case` that was signed for someone else (`threading`).
    signed_for_other: bool = False


def look_up(messages: Sequence[Message]) -> list[Found]:
    """Everything for each message, in its order."""
    bounces = [m.parsed.bounce for m in messages if m.parsed.bounce is not None]
    originals = iter(bounced(bounces))
    people = [m for m in messages if m.parsed.bounce is None]
    found_cases = iter(threads(people))
    by_address = contacts({m.parsed.sender for m in people})
    picked: list[tuple[Case | None, str, Contact | None]] = []
    for message in people:
        case, how = next(found_cases)
        picked.append((case, how, choose_contact(by_address.get(message.parsed.sender, []), case)))
    # The thread is only asked about senders who are not contacts of the case's organisation.
    asked = {
        (case.pk, m.parsed.sender)
        for m, (case, _, contact) in zip(people, picked, strict=True)
        if case is not None and m.parsed.sender and not _of(contact, case)
    }
    listed = on_thread(asked)
    out: list[Found] = []
    chosen = iter(picked)
    for message in messages:
        if message.parsed.bounce is not None:
            out.append(Found(outbound=next(originals)))
            continue
        case, how, contact = next(chosen)
        participant = (
            case is not None
            and bool(message.parsed.sender)
            and (_of(contact, case) or (case.pk, message.parsed.sender) in listed)
        )
        other = case is not None and _signed_for_other(message, case)
        out.append(Found(case, how, contact, participant, signed_for_other=other))
    return out


def _signed_for_other(message: Message, case: Case) -> bool:
    sender = message.parsed.sender
    return any(
        pk == case.pk and not threading.signed_for(case.number, mac, sender)
        for pk, mac in signed_addresses(message.parsed, message.envelope_to)
    )


def _of(contact: Contact | None, case: Case) -> bool:
    return contact is not None and contact.organisation_id == case.organisation_id


# --- threads -------------------------------------------------------------------------


def _tag_re() -> re.Pattern[str]:
    prefix = re.escape(settings.CASEDESK_CASE_PREFIX)
    return re.compile(rf"\[\s*{prefix}-0*(\d{{1,12}})\s*\]", re.IGNORECASE)


def _plus_re() -> re.Pattern[str]:
    prefix = re.escape(settings.CASEDESK_CASE_PREFIX)
    return re.compile(rf"^([^+@]+)\+{prefix}-0*(\d{{1,12}})(?:\.([0-9a-f]{{1,64}}))?@(.+)$", re.IGNORECASE)


def _plus_addresses(parsed: parse.ParsedMessage, envelope_to: Sequence[str]) -> list[tuple[int, str]]:
    """The case numbers in plus addresses of the desk's own, each with its signature
    ("" for an unsigned one)."""
    support = set(settings.CASEDESK_SUPPORT_ADDRESSES)
    plus = _plus_re()
    out: list[tuple[int, str]] = []
    for address in (*[a.lower() for a in envelope_to], *parsed.recipients):
        m = plus.match(address)
        if m and f"{m.group(1)}@{m.group(4)}" in support:
            out.append((int(m.group(2)), m.group(3) or ""))
    return out


def signed_addresses(parsed: parse.ParsedMessage, envelope_to: Sequence[str] = ()) -> list[tuple[int, str]]:
    """The signed reply addresses a message went to: (case pk, signature)."""
    return [(pk, mac) for pk, mac in _plus_addresses(parsed, envelope_to) if mac]


def named_cases(parsed: parse.ParsedMessage, envelope_to: Sequence[str] = ()) -> list[tuple[int, str]]:
    """The case numbers a message names: in a subject tag, then in plus addresses."""
    out: list[tuple[int, str]] = []
    match = _tag_re().search(parsed.subject)
    if match:
        out.append((int(match.group(1)), "subject tag"))
    out.extend((pk, "plus address") for pk, _ in _plus_addresses(parsed, envelope_to))
    return out


# The same look-ups for every message: built once per process (`core.prepared`).
_LINKS: Prepared[MessageLink] = Prepared(
    lambda ids: (
        MessageLink.objects.filter(message_id__in=ids)
        .order_by("id")
        .select_related("case__organisation", "case__contact")
    ),
    warm=[[""]],
)
_CASES: Prepared[Case] = Prepared(
    lambda pks: Case.objects.filter(pk__in=pks).select_related("organisation", "contact"), warm=[[0]]
)
_CONTACTS: Prepared[Contact] = Prepared(
    lambda addresses: (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, active=True, organisation__active=True)
        .select_related("organisation", "user", "delegate_of__organisation")
        .order_by("id")
    ),
    warm=[[""]],
)


def threads(messages: Sequence[Message]) -> list[tuple[Case | None, str]]:
    """The case each message answers and how it was found: by In-Reply-To and References
    (the most specific known id; its newest link), then by the case tag in the subject,
    then by a plus address (support+CS-000123@...). (None, UNKNOWN) when only names of
    cases that do not exist were found; (None, "") when none was."""
    ids = {mid for m in messages for mid in m.parsed.thread_ids}
    links: dict[str, Case] = {}
    for link in _LINKS(sorted(ids)):
        links[link.message_id] = link.case
    found: list[tuple[Case | None, str]] = []
    named: list[list[tuple[int, str]]] = []
    for m in messages:
        linked = next((links[mid] for mid in m.parsed.thread_ids if mid in links), None)
        found.append((linked, "message-id") if linked is not None else (None, ""))
        named.append([] if linked is not None else named_cases(m.parsed, m.envelope_to))
    wanted = {pk for names in named for pk, _ in names}
    cases = {case.pk: case for case in _CASES(sorted(wanted))}
    one_each = {case.pk: case for case in links.values()}  # the same case, the same object
    out: list[tuple[Case | None, str]] = []
    for (case, how), names in zip(found, named, strict=True):
        if case is None and names:
            case, how = next(((cases[pk], h) for pk, h in names if pk in cases), (None, UNKNOWN))
        out.append((one_each.get(case.pk, case) if case is not None else None, how))
    return out


# --- senders -------------------------------------------------------------------------


def contacts(addresses: Iterable[str]) -> dict[str, list[Contact]]:
    """The active contacts of active organisations with each address (compared in lower
    case), in key order."""
    wanted = {a.lower() for a in addresses if a}
    out: dict[str, list[Contact]] = defaultdict(list)
    if not wanted:
        return out
    for contact in _CONTACTS(sorted(wanted)):
        out[contact.email.lower()].append(contact)
    return out


def choose_contact(candidates: Sequence[Contact], case: Case | None) -> Contact | None:
    """Among the active contacts with one address (in key order): for a reply, the one in
    the case's organisation (a partner's person: their delegate there); otherwise an MPOC
    first. A partner's person writing a new case writes as themselves (their partner's
    contact), unless the address is only ever a delegate of one customer."""
    candidates = [c for c in candidates if c.delegate_of_id is None or permissions.usable(c)]
    if not candidates:
        return None
    if case is not None:
        for contact in candidates:
            if contact.organisation_id == case.organisation_id:
                return contact
    own = [c for c in candidates if c.delegate_of_id is None]
    if not own and len(candidates) > 1:
        return None  # a delegate of several customers, and no contact of its own: whose case?
    return sorted(own or candidates, key=lambda c: (not c.is_mpoc, c.pk))[0]


def on_thread(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Those of the (case, address) pairs where the address wrote or was written to on the
    case's thread, or is copied on the case (a participant, perhaps not mailed yet)."""
    if not pairs:
        return set()
    cases, addresses = {pk for pk, _ in pairs}, {a for _, a in pairs}
    rows = MessageLink.objects.filter(case_id__in=cases, address__in=addresses).values_list(
        "case_id", "address"
    )
    copied = Participant.objects.filter(case_id__in=cases, address__in=addresses).values_list(
        "case_id", "address"
    )
    return (set(rows) | set(copied)) & pairs


# --- bounces -------------------------------------------------------------------------


def bounced(bounces: Sequence[Bounce]) -> list[OutboundMessage | None]:
    """For each delivery report, the first sent message it names, if any."""
    ids = {mid for bounce in bounces for mid in bounce.original_ids}
    sent: dict[str, OutboundMessage] = {}
    if ids:
        for message in OutboundMessage.objects.filter(message_id__in=ids).select_related("case"):
            sent.setdefault(message.message_id, message)
    out: list[OutboundMessage | None] = []
    for bounce in bounces:
        named = [sent[mid] for mid in bounce.original_ids if mid in sent]
        out.append(min(named, key=lambda m: m.pk) if named else None)
    return out
