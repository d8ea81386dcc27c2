"""What a received message is, from what the look-ups found: the one rule intake applies,
whether the message came alone or with many others.

In the order tried: the desk's own mail coming back (from one of its addresses, or with a
Message-ID it made: recorded as a loop, never acted on); a bounce; an automatic reply
(recorded, never answered); a message with no sender; one naming a case (a reply) from
someone not on it; a reply to a closed case; a reply to an open case; a stranger; a
MACD request (sent to a MACD address, or with a subject in the MACD form: `rules.macd`),
which the MACD action accepts from an MPOC only; a contact who is not a main point of
contact; a new message from an MPOC. A message that
would act as a person (the last four, and a reply to a closed case) whose sender is not
proven (`senders.judge`: a DMARC fail, a reply address signed for someone else, or the
organisation's choice for unverified mail) is quarantined instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from casedesk.accounts import permissions
from casedesk.core import mailboxes
from casedesk.mail import senders
from casedesk.mail.inbound import Result
from casedesk.mail.lookups import Found
from casedesk.mime import parse
from casedesk.mime.authentication import Authentication
from casedesk.rules import macd
from casedesk.rules.permissions import Ability
from casedesk.rules.senders import Action


class Kind(StrEnum):
    LOOP = "loop"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    NO_SENDER = "no_sender"
    NOT_PARTICIPANT = "not_participant"
    REPLY_TO_CLOSED = "reply_to_closed"
    REPLY = "reply"
    STRANGER = "stranger"
    NOT_MPOC = "not_mpoc"
    NEW = "new"
    MACD = "macd"  # a new MACD request (from anyone known: the action refuses a non-MPOC)
    UNVERIFIED = "unverified"  # it would act as someone it is not proven to be


# The kinds that act as the person the message is from.
ACTING = (Kind.NOT_MPOC, Kind.REPLY_TO_CLOSED, Kind.REPLY, Kind.NEW, Kind.MACD)


@dataclass(frozen=True)
class Decision:
    kind: Kind
    found: Found
    why: str = ""
    verified: bool | None = None  # for a kind that acts as its sender: whether proven

    @property
    def ends_here(self) -> bool:
        """Nothing is written for the message but its outcome."""
        return self.kind in (
            Kind.LOOP,
            Kind.AUTO_REPLY,
            Kind.NO_SENDER,
            Kind.NOT_PARTICIPANT,
            Kind.STRANGER,
            Kind.UNVERIFIED,
        )


def decide(parsed: parse.ParsedMessage, found: Found, checked: Authentication | None = None) -> Decision:
    case, contact = found.case, found.contact
    # Before the automatic replies: the desk's own notices are marked automatic too.
    loop = mailboxes.loop_reason(parsed.sender, parsed.message_id)
    if loop:
        return Decision(Kind.LOOP, found, loop)
    if parsed.bounce is not None:
        kind = Kind.BOUNCE
    elif parsed.automatic:
        kind = Kind.AUTO_REPLY
    elif not parsed.sender:
        kind = Kind.NO_SENDER
    elif case is not None:
        if not found.participant:
            kind = Kind.NOT_PARTICIPANT
        else:
            kind = Kind.REPLY if case.is_open else Kind.REPLY_TO_CLOSED
    elif contact is None:
        kind = Kind.STRANGER
    elif macd_form(parsed) is not None:
        kind = Kind.MACD
    elif not (contact.is_mpoc or permissions.can(contact, Ability.OPEN_CASE)):  # a delegate: its scope
        kind = Kind.NOT_MPOC
    else:
        kind = Kind.NEW
    if kind not in ACTING:
        return Decision(kind, found)
    organisation = case.organisation if case is not None else contact.organisation if contact else None
    unverified = organisation.unverified_mail if organisation is not None else ""
    action, why = senders.judge(checked, unverified, signed_for_other=found.signed_for_other)
    if action == Action.QUARANTINE:
        return Decision(Kind.UNVERIFIED, found, why)
    return Decision(kind, found, verified=action == Action.TRUST)


def _base(address: str) -> str:
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def macd_form(parsed: parse.ParsedMessage) -> macd.EmailForm | None:
    """The MACD request a new message makes, if it is one (`rules.macd.email_form`)."""
    addresses = set(settings.CASEDESK_MACD_ADDRESSES)
    to_macd = bool(addresses) and any(_base(a) in addresses for a in parsed.recipients)
    return macd.email_form(parsed.subject, parsed.new_text, to_macd_address=to_macd)


def why(parsed: parse.ParsedMessage, decision: Decision) -> str:
    """Why a message that acts as its sender became a new case or a comment."""
    found = decision.found
    note = ""
    if decision.verified is not None:
        note = " (sender verified)" if decision.verified else " (sender not verified)"
    if decision.kind == Kind.REPLY and found.case is not None:
        number, how = found.case.number, found.how
        return f"A reply from {parsed.sender}, a participant of {number} (found by {how}){note}."
    if decision.kind == Kind.NEW and found.contact is not None:
        return f"A new message from {parsed.sender}, a main point of contact; it names no case{note}."
    return ""


def outcome(parsed: parse.ParsedMessage, decision: Decision) -> Result:
    """The outcome of a message that `ends_here`."""
    case, how = decision.found.case, decision.found.how
    if decision.kind == Kind.LOOP:
        return Result("loop", None, f"The desk's own mail came back: {decision.why}")
    if decision.kind == Kind.AUTO_REPLY:
        number = case.number if case is not None and decision.found.participant else None
        found = parsed.recognised
        return Result("auto_reply", number, found.explanation if found is not None else parsed.automatic)
    if decision.kind == Kind.NO_SENDER:
        return Result("quarantined", None, "The message has no sender address.")
    if decision.kind == Kind.NOT_PARTICIPANT:
        assert case is not None
        why = f"{parsed.sender} wrote to {case.number} (found by {how}) but is not a participant of it."
        return Result("quarantined", None, why)
    if decision.kind == Kind.UNVERIFIED:
        return Result("quarantined", None, decision.why)
    if decision.kind == Kind.STRANGER:
        return Result("quarantined", None, f"Unknown sender {parsed.sender}.")
    raise ValueError(f"a message that is {decision.kind} is not done with its outcome alone")
