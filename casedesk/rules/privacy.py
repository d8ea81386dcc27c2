"""Consumer privacy requests (CCPA; Client Support Plan §10): the kinds, the legal deadline
and its one extension, what erasure keeps because the law requires it, and the retention
windows a sweep applies.

Pure Python: no Django.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

RESPONSE_DAYS = 45  # from receipt of a verifiable request
EXTENSION_DAYS = 45  # once, with notice to the requester within the first period
MAX_EXTENSIONS = 1
LINK_HOURS = 24  # the e-mail verification link works this long, once


class Kind(enum.StrEnum):
    KNOW = "know"
    CORRECT = "correct"
    DELETE = "delete"

    @property
    def label(self) -> str:
        return {Kind.KNOW: "Know my data", Kind.CORRECT: "Correct my data", Kind.DELETE: "Delete my data"}[
            self
        ]


class State(enum.StrEnum):
    UNVERIFIED = "unverified"  # the link is sent, not yet followed
    OPEN = "open"  # verified: the clock runs
    DONE = "done"
    REFUSED = "refused"


def due(received_at: datetime, *, extensions: int = 0) -> datetime:
    """The answer's deadline: 45 days from the verified request, 45 more per extension."""
    if not 0 <= extensions <= MAX_EXTENSIONS:
        raise ValueError(f"a request may be extended at most {MAX_EXTENSIONS} time(s)")
    return received_at + timedelta(days=RESPONSE_DAYS + EXTENSION_DAYS * extensions)


def extension_problem(extensions: int, *, now: datetime, due_at: datetime, reason: str) -> str:
    """Why a request may not be extended ("" if it may): once only, before the deadline
    passes, and with a reason told to the requester."""
    if extensions >= MAX_EXTENSIONS:
        return "A request may be extended only once (45 more days)."
    if now >= due_at:
        return "The deadline has passed; a request is extended before it."
    if not (reason or "").strip():
        return "Say why more time is needed; the requester is told."
    return ""


def days_left(due_at: datetime, now: datetime) -> int:
    """Whole days until the deadline (negative once it has passed)."""
    seconds = (due_at - now).total_seconds()
    return int(seconds // 86400)


# What erasure keeps, and why: the records stay consistent, the person is anonymised.
KEPT_BY_LAW: tuple[tuple[str, str], ...] = (
    ("Invoices and billing records", "tax and accounting law: kept for seven years"),
    (
        "The CPNI disclosure log",
        "FCC CPNI rules (47 CFR 64.2009): records of disclosures kept for at least one year",
    ),
    ("Case numbers, dates and the audit trail of changes", "the record of the service given"),
)


@dataclass(frozen=True)
class Retention:
    """Closed cases' material of one kind is purged this many days after the case closed."""

    kind: str
    days: int


# Kinds the sweep knows; the days are a default, the data is configurable per kind.
DEFAULT_RETENTION: Mapping[str, int] = MappingProxyType(
    {
        "attachment": 365,
        "chat_transcript": 365,
    }
)


def purge_after(closed_at: datetime, days: int) -> datetime:
    return closed_at + timedelta(days=days)


def due_for_purge(closed_at: datetime | None, now: datetime, days: int) -> bool:
    """Whether a closed case's material is due: the case closed, and `days` have passed."""
    return closed_at is not None and days >= 0 and now >= purge_after(closed_at, days)
