"""Who may read a Solutions Center article (Client Support Plan §2, §10): its audience and
whether it is live yet. Pure Python: no Django.

An article is for everyone (public), for customers who log in, or for staff only. A draft
(no publication time) and an article scheduled for later are read by nobody in the
Solutions Center: editors see them in the console."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Audience(StrEnum):
    PUBLIC = "public"
    CUSTOMERS = "customers"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {"public": "Everyone", "customers": "Customers (logged in)", "staff": "Staff only"}[self.value]


class Reader(StrEnum):
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    STAFF = "staff"


# Each reader reads its own audience and every wider one.
READS: dict[Reader, frozenset[Audience]] = {
    Reader.ANONYMOUS: frozenset({Audience.PUBLIC}),
    Reader.CUSTOMER: frozenset({Audience.PUBLIC, Audience.CUSTOMERS}),
    Reader.STAFF: frozenset({Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF}),
}


def audiences(reader: Reader) -> frozenset[Audience]:
    """The audiences whose articles this reader may see (results, counts, snippets)."""
    return READS[reader]


def is_live(publish_at: datetime | None, now: datetime) -> bool:
    """Published: a publication time that has come. None is a draft; later is scheduled."""
    return publish_at is not None and publish_at <= now


def state(publish_at: datetime | None, now: datetime) -> str:
    """ "draft", "scheduled" or "published", as the console shows it."""
    if publish_at is None:
        return "draft"
    return "published" if publish_at <= now else "scheduled"


def may_read(audience: Audience, publish_at: datetime | None, reader: Reader, now: datetime) -> bool:
    return is_live(publish_at, now) and audience in READS[reader]


# The least wide audience that still lets this many readers see a word; used for the words
# a typo is corrected to, so a staff-only title never lends a customer its words.
WIDTH = {Audience.PUBLIC: 0, Audience.CUSTOMERS: 1, Audience.STAFF: 2}


def widest(found: list[Audience]) -> Audience:
    """Of the audiences a word occurs under, the one that most readers see."""
    if not found:
        raise ValueError("A word occurs under at least one audience.")
    return min(found, key=WIDTH.__getitem__)


# A deflection (§2 Solutions Center): a customer shown suggestions while writing a case who
# opened one and did not open the case within this long.
DEFLECTION_MINUTES = 30


def deflected(opened_at: datetime | None, submitted_at: datetime | None, now: datetime) -> bool | None:
    """True: counted as a deflection; False: not one (a case followed, or nothing opened);
    None: not decided yet (still inside the 30 minutes)."""
    if opened_at is None:
        return False
    deadline = opened_at + timedelta(minutes=DEFLECTION_MINUTES)
    if submitted_at is not None and submitted_at <= deadline:
        return False
    if now < deadline:
        return None
    return True
