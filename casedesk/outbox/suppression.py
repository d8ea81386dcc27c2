"""Addresses that get no more non-essential mail, and the actions on them.

Intake suppresses an address when a complaint or a permanent bounce names it (`suppress`);
staff lift it (`lift`). Every message the outbox keeps passes through `hold`: one to a
suppressed address is kept, held (never delivered), with the reason, so its case shows
why the person did not hear. Mail the person asked for themselves (a password reset, a
subscription's confirmation) is essential and still goes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.core.prepared import Prepared
from casedesk.outbox.models import OutboundMessage, Suppression

# Asked for every message queued: built once per process (`core.prepared`).
_ACTIVE: Prepared[Suppression] = Prepared(
    lambda addresses: Suppression.objects.filter(address__in=addresses, lifted_at__isnull=True),
    warm=[[""]],
)
ESSENTIAL = frozenset({"password_reset", "status_confirm"})

log = logging.getLogger(__name__)


def active(addresses: Sequence[str]) -> dict[str, Suppression]:
    """The active suppressions among `addresses`, by address (one query)."""
    wanted = {a.strip().lower() for a in addresses if a}
    if not wanted:
        return {}
    return {row.address: row for row in _ACTIVE(sorted(wanted))}


def hold(messages: Sequence[OutboundMessage]) -> None:
    """Mark the unsaved rows to suppressed addresses held, with why (not essential mail)."""
    wanted = [m.to for m in messages if m.kind not in ESSENTIAL]
    found = active(wanted)
    for message in messages:
        row = found.get(message.to.strip().lower()) if message.kind not in ESSENTIAL else None
        if row is not None:
            message.state = OutboundMessage.State.HELD
            message.last_error = (
                f"Held: {row.address} is suppressed ({row.get_reason_display()}: {row.evidence})."[:2000]
            )


def suppress(address: str, *, reason: str, evidence: str, inbound_id: int | None) -> Suppression | None:
    """Suppress `address` (in the caller's transaction); None if it already is."""
    address = address.strip().lower()[:254]
    if not address or address in active([address]):
        return None
    try:
        with transaction.atomic():
            row = Suppression.objects.create(
                address=address,
                reason=reason,
                evidence=evidence[:2000],
                inbound_id=inbound_id,
                created_at=clock.now(),
            )
    except IntegrityError:
        return None  # suppressed meanwhile by another intake
    log.info("suppressed %s: %s", address, evidence)
    return row


def lift(pk: int, *, by: Any, note: str = "") -> Suppression:
    """Staff lift a suppression: mail to the address goes again from now on (what was held
    stays held, in the case's record). Who and when are kept on the row."""
    with transaction.atomic():
        row = Suppression.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.lifted_at is not None:
            raise Refused("This address is no longer suppressed.")
        row.lifted_at = clock.now()
        row.lifted_by = by
        row.lift_note = note.strip()[:500]
        row.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
    log.info("suppression of %s lifted by %s", row.address, by)
    return row


def hold_queued(rows: Sequence[OutboundMessage]) -> set[int]:
    """Hold the claimed rows to suppressed addresses (not essential mail); their ids."""
    hold(rows)
    held = [row for row in rows if row.state == OutboundMessage.State.HELD]
    for row in held:
        OutboundMessage.objects.filter(pk=row.pk).update(
            state=row.state, last_error=row.last_error, locked_until=None
        )
    return {row.pk for row in held}


def held_exists() -> Exists:
    """Whether a case (the outer query's row) has a notice held, read with the case."""
    return Exists(OutboundMessage.objects.filter(case_id=OuterRef("pk"), state=OutboundMessage.State.HELD))


def held_for_case(case: Any, limit: int = 20) -> list[OutboundMessage]:
    """The case's notices held because their address is suppressed, newest first."""
    rows = OutboundMessage.objects.filter(case=case, state=OutboundMessage.State.HELD)
    return list(rows.only("id", "to", "kind", "created_at", "last_error").order_by("-id")[:limit])


def listing(*, lifted: bool, page: int, size: int) -> list[Suppression]:
    """One page of suppressions (active, or lifted), newest first, one more than `size` to
    tell whether there is a next page."""
    rows = Suppression.objects.filter(lifted_at__isnull=not lifted).select_related("lifted_by")
    return list(rows.order_by("-id")[(page - 1) * size : page * size + 1])
