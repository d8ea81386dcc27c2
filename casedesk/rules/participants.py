"""Who may be copied on a case besides its contact (its participants), and why not.

Pure Python: no Django. A candidate is a contact (by key) or an e-mail address; the
caller has made an address of an active colleague of the case's organisation into that
colleague, so any other address stays an address and a contact elsewhere gains no sight
of the case. Never one of the desk's own addresses (mail to it comes back in as a new
case), a staff member's (staff read the case in the console) or the case's contact (who
hears already); nobody twice; at most `MAX_PARTICIPANTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

# Enough for the people who work an issue; more is a mailing list, which the desk is not.
MAX_PARTICIPANTS = 20


@dataclass(frozen=True)
class Candidate:
    address: str  # lower case
    contact: int | None = None  # a contact's key
    name: str = ""
    colleague: bool = True  # a contact who is an active contact of the case's organisation

    @property
    def raw(self) -> int | str:
        """As the timeline stores it: the contact's key, or the address."""
        return self.contact if self.contact is not None else self.address


@dataclass(frozen=True)
class Copied:
    """What the case is and whom it copies already."""

    number: str
    organisation: str
    contact: int
    contact_address: str  # lower case
    contacts: Collection[int] = ()
    addresses: Collection[str] = ()


def sort(
    case: Copied, candidates: Iterable[Candidate], *, ours: Callable[[str], bool], staff: Collection[str]
) -> tuple[list[Candidate], list[str]]:
    """The candidates who may be copied, in order, and a reason for each who may not (and,
    past the limit, one for those left over)."""
    contacts, addresses = set(case.contacts), set(case.addresses)
    room = MAX_PARTICIPANTS - len(contacts) - len(addresses)
    wanted: list[Candidate] = []
    refusals: list[str] = []
    for c in candidates:
        who = c.name or c.address
        taken = c.contact in contacts if c.contact is not None else c.address in addresses
        if c.contact is None and ours(c.address):
            refusals.append(
                f"{c.address} is the desk's own address: mail to it would come back in as a new case."
            )
        elif c.contact is None and c.address in staff:
            refusals.append(f"{c.address} is a support staff account; staff read the case in the console.")
        elif c.contact == case.contact or (c.address and c.address == case.contact_address):
            refusals.append(f"{who} is the case's contact, who hears already.")
        elif not c.colleague:
            refusals.append(f"Only active contacts of {case.organisation} are copied as contacts.")
        elif taken:
            refusals.append(f"{who} is copied on {case.number} already.")
        else:
            wanted.append(c)
            if c.contact is not None:
                contacts.add(c.contact)
            else:
                addresses.add(c.address)
    if len(wanted) > room:
        refusals.append(f"A case copies at most {MAX_PARTICIPANTS} people; remove someone first.")
    return wanted[: max(room, 0)], refusals
