"""Keeping a case's e-mail on one thread, and automatic answers within bounds.

Every message sent about a case has its Message-ID recorded against the case
(`record_sent`), and refers to the case's earlier messages (`thread_headers`), so a
customer's client threads them and a reply finds its case. Replies go to the case's plus
address (`support_address`), signed for the recipient (support+CS-000123.<mac>@...), so
a reply to it from anyone else is told apart (`signed_for`). `within_cap` counts automatic
answers per address and day: past the cap, two auto-responders answering each other stop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Min, Window
from django.db.models.functions import RowNumber
from django.utils.crypto import constant_time_compare, salted_hmac

from casedesk.core import bulk, clock
from casedesk.outbox.models import AutoAnswerCount, MessageLink, OutboundMessage

MAX_REFERENCES = 10
REPLY_SALT = "casedesk.outbox.threading.reply-address"
MAC_LENGTH = 16  # hex digits: 64 bits, and the local part stays well under 64 characters


def reply_mac(number: str, address: str) -> str:
    """The signature of a case's reply address made for one recipient."""
    value = f"{number.upper()}\n{address.strip().lower()}"
    return salted_hmac(REPLY_SALT, value, algorithm="sha256").hexdigest()[:MAC_LENGTH]


def signed_for(number: str, mac: str, address: str) -> bool:
    """Whether the reply address of case `number` bearing `mac` was made for `address`."""
    return constant_time_compare(reply_mac(number, address), mac.lower())


def support_address(case: Any = None, to: str = "") -> str:
    """The address replies go to; with a case, its plus address (support+CS-000123@...),
    and with a recipient signed for them (support+CS-000123.<mac>@...)."""
    base = (settings.CASEDESK_SUPPORT_ADDRESSES or [settings.DEFAULT_FROM_EMAIL])[0]
    if case is None:
        return base
    local, _, domain = base.partition("@")
    tag = f"{case.number}.{reply_mac(case.number, to)}" if to else case.number
    return f"{local}+{tag}@{domain}"


def thread_headers(case: Any, extra_parent: str = "", known: list[str] | None = None) -> dict[str, str]:
    """In-Reply-To the newest message on the case (or the message being answered), and
    References from the first and the latest ones. `known`: the case's thread as
    `threads` found it, for a caller with several cases."""
    if case is None:
        return {"In-Reply-To": extra_parent, "References": extra_parent} if extra_parent else {}
    ids = list(threads([case])[case.pk] if known is None else known)
    if extra_parent and extra_parent not in ids:
        ids.append(extra_parent)
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids)}


def threads(cases: Sequence[Any]) -> dict[int, list[str]]:
    """For each case, the Message-IDs its notices refer to: the first on the case and the
    latest MAX_REFERENCES, oldest first; two queries for them all."""
    pks = list({case.pk for case in cases})
    links = MessageLink.objects.filter(case_id__in=pks)
    newest = links.annotate(
        rank=Window(RowNumber(), partition_by=[F("case_id")], order_by=F("id").desc())
    ).filter(rank__lte=MAX_REFERENCES)
    firsts = links.values("case_id").annotate(first=Min("id")).values("first")
    out: dict[int, list[str]] = {pk: [] for pk in pks}
    first: dict[int, str] = {}
    for case_id, message_id in MessageLink.objects.filter(pk__in=firsts).values_list("case_id", "message_id"):
        first[case_id] = message_id
    for case_id, message_id in newest.order_by("case_id", "id").values_list("case_id", "message_id"):
        out[case_id].append(message_id)
    for pk, ids in out.items():
        if ids and first.get(pk) and first[pk] not in ids:
            ids.insert(0, first[pk])
    return out


def record_sent(messages: Iterable[OutboundMessage]) -> None:
    """Record each sent Message-ID against its case, so replies to it thread."""
    now = clock.now()
    bulk.insert(
        [
            MessageLink(
                message_id=message.message_id,
                case=message.case,
                direction=MessageLink.Direction.OUT,
                address=message.to.lower()[:254],
                created_at=now,
            )
            for message in messages
            if message.case is not None
        ]
    )


def within_cap(address: str) -> bool:
    """Count one automatic answer to `address` today; False once the daily cap is reached.
    One statement: insert the day's counter or add one to it while under the cap."""
    table = connection.ops.quote_name(AutoAnswerCount._meta.db_table)
    day: date = clock.now().date()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (address, day, count) VALUES (%s, %s, 1) "  # noqa: S608 - fixed names
            f"ON CONFLICT (address, day) DO UPDATE SET count = {table}.count + 1 "
            f"WHERE {table}.count < %s RETURNING count",
            [address, day, settings.CASEDESK_AUTO_ANSWERS_PER_DAY],
        )
        return cursor.fetchone() is not None


def leave_thread(case: Any, address: str) -> None:
    """Take an address off a case's thread: the messages to and from it still thread, but
    it no longer counts as one of the case's correspondents (a participant removed)."""
    if address:
        MessageLink.objects.filter(case_id=case.pk, address__iexact=address.strip()).update(address="")
