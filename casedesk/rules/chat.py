"""Live chat and telephony (plan §2): when chat is open, what a visitor may send, and the
signatures that let another site vouch for its user or the phone system for a call.

Pure Python: no Django. Secrets, clocks and calendars are handed in.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from casedesk.rules.calendar import BusinessCalendar

# A visitor's message: long enough for a pasted error, short enough to bound a flood.
MESSAGE_MAX = 4_000
KEY_MAX = 64
# Names, addresses and organisations a public visitor types.
FIELD_MAX = 200
# A webhook's timestamp may differ from our clock by this much, either way; outside it the
# request is refused, so a captured request cannot be replayed later.
WEBHOOK_TOLERANCE = timedelta(minutes=5)
# An embedded identity signature is good for this long after it was made.
IDENTITY_TTL = timedelta(hours=12)
SCORES = range(1, 6)


class State(enum.StrEnum):
    WAITING = "waiting"  # in the queue, no technician yet
    ACTIVE = "active"  # a technician has it
    ENDED = "ended"


class Side(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class Identity(enum.StrEnum):
    PORTAL = "portal"  # a portal session
    VISITOR = "visitor"  # name, e-mail and organisation typed on the public site
    SIGNED = "signed"  # the embedding site's user, vouched for by HMAC


@dataclass(frozen=True)
class Hours:
    open: bool
    next_opening: datetime | None  # None while open


def hours(calendar: BusinessCalendar, now: datetime) -> Hours:
    """Whether chat is open at `now`, and if not, when it next opens."""
    if calendar.is_open(now):
        return Hours(True, None)
    return Hours(False, calendar.next_open(now))


# Moves a chat may make; ending is allowed from anywhere but the end.
_MOVES: dict[State, frozenset[State]] = {
    State.WAITING: frozenset({State.ACTIVE, State.ENDED}),
    State.ACTIVE: frozenset(
        {State.WAITING, State.ACTIVE, State.ENDED}
    ),  # transfer: back to waiting or to a person
    State.ENDED: frozenset(),
}


def may_move(current: State, target: State) -> bool:
    return target in _MOVES[current]


def message_problem(body: str, *, limit: int = MESSAGE_MAX) -> str:
    """Why a message cannot be sent, or ""."""
    if not body.strip():
        return "Type a message first."
    if len(body) > limit:
        return f"A message holds at most {limit} characters."
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in body):
        return "The message holds control characters."
    return ""


def key_problem(key: str) -> str:
    if not key or len(key) > KEY_MAX or not all(ch.isalnum() or ch in "-_" for ch in key):
        return "Each message needs a key of letters, digits, '-' or '_' (at most 64)."
    return ""


def offer_case(waiting_since: datetime, now: datetime, wait: timedelta) -> bool:
    """A chat left unanswered this long offers to become a case."""
    return now - waiting_since >= wait


def score_problem(score: int) -> str:
    return "" if score in SCORES else "Rate the chat from 1 to 5."


# -- signatures ------------------------------------------------------------------------------


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def identity_signature(secret: str, user_id: str, issued: int) -> str:
    """What an embedding site sends with its logged-in user: HMAC-SHA256 of "id.issued"."""
    return _mac(secret, f"{user_id}.{issued}")


def identity_valid(secret: str, user_id: str, issued: int, signature: str, now: datetime) -> bool:
    if not secret or not user_id or not signature:
        return False
    age = now.timestamp() - issued
    if age < -WEBHOOK_TOLERANCE.total_seconds() or age > IDENTITY_TTL.total_seconds():
        return False
    return hmac.compare_digest(identity_signature(secret, user_id, issued), signature)


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The telephony webhook's signature: HMAC-SHA256 of "timestamp." + raw body."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_problem(secret: str, timestamp: str, signature: str, body: bytes, now: datetime) -> str:
    """Why a signed webhook request is refused, or "". A replay within the tolerance is
    the caller's to refuse by the request's id (stored once)."""
    if not secret:
        return "The webhook has no secret configured."
    try:
        sent = int(timestamp)
    except ValueError:
        return "The timestamp is missing or not a number."
    if abs(now.timestamp() - sent) > WEBHOOK_TOLERANCE.total_seconds():
        return "The timestamp is too old or in the future."
    expected = webhook_signature(secret, timestamp, body)
    given = signature.removeprefix("sha256=")
    if not hmac.compare_digest(expected, given):
        return "The signature does not match."
    return ""
