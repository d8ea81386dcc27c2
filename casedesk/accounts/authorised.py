"""An organisation's authorised contacts: the people who may act for it and hear its account
details (its MPOCs and financial contacts, while active). A change to who they are is
something the organisation must be told of (CPNI, 47 CFR 64.2010(f)); the app that sends
that notice sits above this one, so it registers here, and whatever changes contacts
(today the admin) calls `changed` after the write."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from django.db import transaction

from casedesk.accounts.models import Contact, Organisation

FIELDS = ("is_primary_mpoc", "is_secondary_mpoc", "is_financial_contact", "active", "email", "user")
_LISTENERS: dict[str, Callable[[Organisation], None]] = {}


def listen(name: str, listener: Callable[[Organisation], None]) -> None:
    """Idempotent: an app's `ready()` may run more than once."""
    _LISTENERS[name] = listener


def is_authorised(contact: Contact) -> bool:
    return contact.active and (
        contact.is_primary_mpoc or contact.is_secondary_mpoc or contact.is_financial_contact
    )


def touches(
    contact: Contact, changed_fields: Iterable[str], *, created: bool = False, deleted: bool = False
) -> bool:
    """Whether this write changed who the organisation's authorised contacts are."""
    if created or deleted:
        return is_authorised(contact)
    return bool(set(changed_fields) & set(FIELDS))


def changed(organisation: Organisation) -> None:
    """Tell the listeners once the write has committed (nothing if it rolls back)."""
    for _, listener in sorted(_LISTENERS.items()):
        transaction.on_commit(partial(listener, organisation))
