"""Customer proprietary network information (CPNI, Client Support Plan §10): what it is,
how a caller is authenticated before any of it is disclosed, the support passcode's policy,
who may hear of an account change and where CPNI may be sent.

Pure Python: no Django. The app `casedesk.privacy` keeps the records (passcodes, the
verifications, the disclosure log) and asks these rules.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta


class Field(enum.StrEnum):
    """What counts as CPNI on the desk: shown only to a verified caller and logged."""

    NUMBERS = "numbers"  # the organisation's telephone numbers (inventory)
    CALL_DETAIL = "call_detail"
    INVOICES = "invoices"
    SERVICE_ADDRESSES = "service_addresses"
    INVENTORY = "inventory"  # devices, seats, features and their prices

    @property
    def label(self) -> str:
        return FIELD_LABELS[self]


FIELD_LABELS = {
    Field.NUMBERS: "Telephone numbers",
    Field.CALL_DETAIL: "Call detail",
    Field.INVOICES: "Invoices",
    Field.SERVICE_ADDRESSES: "Service addresses",
    Field.INVENTORY: "Service inventory",
}

ALL_FIELDS = frozenset(Field)


def is_cpni(name: str) -> bool:
    """Whether a field name (a `Field` value) is CPNI."""
    return name in {f.value for f in Field}


class Method(enum.StrEnum):
    """How a representative authenticated a caller."""

    PASSCODE = "passcode"  # the caller told the support passcode
    CALL_BACK = "call_back"  # the representative called back the number on file

    @property
    def label(self) -> str:
        return {
            Method.PASSCODE: "support passcode",
            Method.CALL_BACK: "call-back to the number on file",
        }[self]


# A verification covers the call it was made in: the representative who made it, for that
# organisation, this long.
VERIFIED_FOR = timedelta(minutes=60)


def verified_until(at: datetime) -> datetime:
    return at + VERIFIED_FOR


def still_verified(at: datetime, now: datetime) -> bool:
    return at <= now < verified_until(at)


# -- the support passcode --------------------------------------------------------------

PASSCODE_MIN = 6
PASSCODE_MAX = 32
# Failed verifications of one contact's passcode before the desk stops asking for a while.
PASSCODE_ATTEMPTS = 5
PASSCODE_WINDOW = 15 * 60  # seconds


def passcode_problem(passcode: str, *, known: Iterable[str] = ()) -> str:
    """Why a new passcode is refused ("" if it is fine): its length, one character
    repeated, a run such as 123456, or one of the account's known values (account number,
    phone numbers, e-mail, name) in it, since a caller could find those elsewhere."""
    value = passcode or ""
    if len(value) < PASSCODE_MIN:
        return f"A passcode has at least {PASSCODE_MIN} characters."
    if len(value) > PASSCODE_MAX:
        return f"A passcode has at most {PASSCODE_MAX} characters."
    if any(c.isspace() for c in value):
        return "A passcode has no spaces."
    if len(set(value.lower())) == 1:
        return "A passcode is not one character repeated."
    if _run(value.lower()):
        return "A passcode is not a run of characters such as 123456 or abcdef."
    folded = value.lower()
    for item in known:
        part = "".join(c for c in (item or "").lower() if c.isalnum())
        if len(part) >= 4 and (part in folded or folded in part):
            return "A passcode must not contain the account number, a phone number, an e-mail or a name."
        digits = "".join(c for c in part if c.isdigit())
        if len(digits) >= 4 and (digits[-4:] in folded):
            return "A passcode must not contain the account number, a phone number, an e-mail or a name."
    return ""


def _run(value: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(value)}
    return len(steps) == 1 and steps <= {1, -1}


def may_set_passcode(*, staff: bool, primary_mpoc_of_same_organisation: bool) -> bool:
    """Staff set and reset passcodes; on the customer side only the primary MPOC does."""
    return staff or primary_mpoc_of_same_organisation


# -- where CPNI may go -------------------------------------------------------------------


def _key(address: str) -> str:
    return (address or "").strip().lower()


def may_send_to(address: str, on_file: Iterable[str]) -> bool:
    """CPNI goes only to an address on file: never to one given in the conversation."""
    wanted = _key(address)
    return bool(wanted) and wanted in {_key(a) for a in on_file if _key(a)}


# -- notice of account changes -----------------------------------------------------------


class Change(enum.StrEnum):
    AUTHORISED_CONTACT = "authorised_contact"
    PASSCODE = "passcode"
    ADDRESS_OF_RECORD = "address_of_record"
    ONLINE_EMAIL = "online_email"
    ONLINE_PASSWORD = "online_password"  # noqa: S105 - a kind of change, not a secret

    @property
    def sentence(self) -> str:
        """What the notice says changed; never the changed value itself."""
        return CHANGE_SENTENCES[self]


CHANGE_SENTENCES = {
    Change.AUTHORISED_CONTACT: "The list of people authorised on the account was changed.",
    Change.PASSCODE: "A support passcode on the account was set or reset.",
    Change.ADDRESS_OF_RECORD: "The account's address of record was changed.",
    Change.ONLINE_EMAIL: "The e-mail address an online account signs in with was changed.",
    Change.ONLINE_PASSWORD: "The password of an online account was changed.",
}


def notice_address(change: Change, *, current: str, previous: str = "") -> str:
    """Where the notice of a change goes: the address of record, and when the address
    itself changed, the old one (the new one may be an intruder's)."""
    if change in {Change.ADDRESS_OF_RECORD, Change.ONLINE_EMAIL} and previous.strip():
        return previous.strip()
    return current.strip()
