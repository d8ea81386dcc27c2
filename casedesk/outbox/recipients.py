"""One message per address for one cause.

A notice has several sources of recipients (a case's contact, its participants, the
organisation's MPOCs when it copies them all; for a master-case update also the contacts
and participants of every child, the master-case contacts and the subscribers), and one
person is often in more than one. Every sender of a notice passes each address through the
`Once` of that cause, so an address (compared without case or surrounding space) gets one
message however many reasons it has to hear. A cause that spans several senders (a
master-case update: the children's notices, then the status fan-out) hands them one `Once`.
"""

from __future__ import annotations


def key(address: str) -> str:
    """An address as compared: no surrounding space, no case."""
    return (address or "").strip().lower()


class Once:
    """The addresses already written to for one cause."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def take(self, address: str) -> str:
        """The address to write to (trimmed), or "" if it is empty or has had its message."""
        wanted = key(address)
        if not wanted or wanted in self._seen:
            return ""
        self._seen.add(wanted)
        return address.strip()

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and key(address) in self._seen
