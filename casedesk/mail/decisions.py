"""What a received message is, from what the look-ups found: the one rule intake applies,
whether the message came alone or with many others.

In the order tried: the desk's own mail coming back (from one of its addresses, or with a
Message-ID it made: recorded as a loop, never acted on); a bounce; an automatic reply
(recorded, never answered); a message with no sender; one naming a case (a reply) from
someone not on it; a reply to a closed case; a reply to an open case; a stranger; a
contact who is not a main point of contact; a new message from an MPOC.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casedesk.core import mailboxes
from casedesk.mail.inbound import Result
from casedesk.mail.lookups import Found
from casedesk.mime import parse


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


@dataclass(frozen=True)
class Decision:
    kind: Kind
    found: Found
    why: str = ""

    @property
    def ends_here(self) -> bool:
        """Nothing is written for the message but its outcome."""
        return self.kind in (
            Kind.LOOP,
            Kind.AUTO_REPLY,
            Kind.NO_SENDER,
            Kind.NOT_PARTICIPANT,
            Kind.STRANGER,
        )


def decide(parsed: parse.ParsedMessage, found: Found) -> Decision:
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
    elif not contact.is_mpoc:
        kind = Kind.NOT_MPOC
    else:
        kind = Kind.NEW
    return Decision(kind, found)


def outcome(parsed: parse.ParsedMessage, decision: Decision) -> Result:
    """The outcome of a message that `ends_here`."""
    case, how = decision.found.case, decision.found.how
    if decision.kind == Kind.LOOP:
        return Result("loop", None, f"The desk's own mail came back: {decision.why}")
    if decision.kind == Kind.AUTO_REPLY:
        number = case.number if case is not None and decision.found.participant else None
        return Result("auto_reply", number, parsed.automatic)
    if decision.kind == Kind.NO_SENDER:
        return Result("quarantined", None, "The message has no sender address.")
    if decision.kind == Kind.NOT_PARTICIPANT:
        assert case is not None
        why = f"{parsed.sender} wrote to {case.number} (found by {how}) but is not a participant of it."
        return Result("quarantined", None, why)
    if decision.kind == Kind.STRANGER:
        return Result("quarantined", None, f"Unknown sender {parsed.sender}.")
    raise ValueError(f"a message that is {decision.kind} is not done with its outcome alone")
