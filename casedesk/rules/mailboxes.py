"""The desk's own mailboxes, told apart from everyone else's: the intake addresses (and
their plus forms, `support+CS-000123@...`) and the Message-IDs of the mail the desk sends.

Mail the desk sends to itself comes back in as a new message, which is answered, which
comes back again: a loop. So nothing is ever addressed to one of these, and a message that
is evidently one of the desk's own coming back is recorded, never acted on.

Pure Python: no Django. `casedesk.core.mailboxes` applies it with the settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The form of every Message-ID the desk makes: 32 hex digits (a UUID) at its mail domain.
TOKEN_LENGTH = 32
_OWN_ID = re.compile(rf"^<?([0-9a-f]{{{TOKEN_LENGTH}}})@([^<>@\s]+)>?$", re.IGNORECASE)


def base_address(address: str) -> str:
    """The address without display brackets, spaces, case or plus part: `Support+x@Ex.com`
    is `support@ex.com`. "" for what is not an address."""
    value = (address or "").strip().strip("<>").strip().lower()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{local.split('+', 1)[0]}@{domain}"


def is_own_address(address: str, ours: Iterable[str]) -> bool:
    """Whether mail to `address` would reach one of the desk's own intake addresses."""
    base = base_address(address)
    return bool(base) and base in {base_address(own) for own in ours}


def message_id(token: str, domain: str) -> str:
    """A Message-ID of the desk's own form."""
    return f"<{token}@{domain}>"


def is_own_message_id(value: str, domain: str) -> bool:
    """Whether `value` has the form of the Message-IDs the desk makes at `domain` (only
    the desk's notices carry those)."""
    match = _OWN_ID.match((value or "").strip())
    return bool(match and domain and match.group(2).lower() == domain.strip().lower())


def loop_reason(sender: str, own_message_id: str, *, ours: Iterable[str], domain: str) -> str:
    """Why a received message is one of the desk's own coming back ("" if it is not): it
    is from an intake address, or its own Message-ID is one the desk made."""
    if is_own_address(sender, ours):
        return f"It comes from {base_address(sender)}, one of the desk's own addresses."
    if is_own_message_id(own_message_id, domain):
        return f"Its Message-ID {own_message_id.strip()} is one the desk made for its own mail."
    return ""
