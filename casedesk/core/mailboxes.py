"""The desk's own mailboxes as configured (`rules.mailboxes` applied to the settings): the
intake addresses (`CASEDESK_SUPPORT_ADDRESSES`, and the From of every notice) and the
Message-IDs made at `CASEDESK_MAIL_DOMAIN`. The outbox asks here before it keeps a
message, models validate addresses with `not_ours`, and intake recognises a loop."""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError

from casedesk.rules import mailboxes as rules


def own_addresses() -> list[str]:
    return [
        *settings.CASEDESK_SUPPORT_ADDRESSES,
        *settings.CASEDESK_MACD_ADDRESSES,
        settings.DEFAULT_FROM_EMAIL,
    ]


@functools.lru_cache(maxsize=8)
def _own_bases(ours: tuple[str, ...]) -> frozenset[str]:
    return frozenset(rules.base_address(own) for own in ours)


def is_ours(address: str) -> bool:
    """`rules.is_own_address` against the settings, their base addresses worked out once
    for each value of them (several times a message)."""
    base = rules.base_address(address)
    return bool(base) and base in _own_bases(tuple(own_addresses()))


def new_message_id() -> str:
    return rules.message_id(uuid.uuid4().hex, settings.CASEDESK_MAIL_DOMAIN)


def loop_reason(sender: str, message_id: str) -> str:
    """Why a received message is the desk's own mail coming back; "" if it is not."""
    return rules.loop_reason(sender, message_id, ours=own_addresses(), domain=settings.CASEDESK_MAIL_DOMAIN)


def not_ours(value: str) -> None:
    """A field validator: mail to the address would come back in as a new message."""
    if value and is_ours(value):
        raise ValidationError(
            "%(value)s is the support desk's own intake address; mail sent there would come "
            "back in as a new message.",
            code="own_address",
            params={"value": value},
        )
