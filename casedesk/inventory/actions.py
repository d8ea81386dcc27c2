"""Every write of the service inventory.

Interface (stable; the portal, the API, the CSV import, the scheduled-change sweep and
support's MACD requests all call it):

    from casedesk.rules.inventory import Change
    from casedesk.inventory import actions

    change = Change(kind="licence", op="add", values={"platform": "teams", "product": "Teams Phone",
                                                       "assigned_to": "dana@acme.example.com",
                                                       "monthly_price": "30.00"})
    preview = actions.preview_changes(actor, organisation, [change], effective=date(2026, 12, 17))
    preview.lines[0].amount     # Decimal("...") pro-rated charge; preview.errors: refused lines
    outcome = actions.apply_changes(actor, organisation, [change], effective=None,
                                    source="macd", reference="CS-000123")

- `Change(kind, op, key="", values={})` (`casedesk.rules.inventory`): kind one of seat, number,
  device, licence, feature; op one of add, move, change, delete; `key` names the existing
  item for move/change/delete (any spelling of it: "+1 303 555 0100", "00-1a-2b-..."), an
  add's key comes from its values; `values` are raw strings. `Change.as_dict()` /
  `Change.from_dict()` store one as JSON. `rules.inventory.CHANGE_TYPES[(Kind, Op)]` holds
  each change type's label, writable fields and `typical_minutes`;
  `rules.inventory.typical_minutes(changes)` sums them (a MACD fee estimate).
- `apply_changes(actor, organisation, changes, *, effective=None, source="portal",
  reference="") -> Outcome`: `actor` a User (or Contact) holding MANAGE_INVENTORY for the
  organisation (another organisation's customer: NotFound; a role without it: Forbidden).
  Validates every change, then applies all or nothing in one transaction, audits each
  (`ItemEvent`: who, when, raw old/new) and records each billing effect from the effective
  date (`ChargeEvent`). `effective` None or today: applied now; a later date: checked now
  against today's inventory and stored as a scheduled `ChangeBatch` that the
  `inventory_scheduled` sweep applies on that day (checked again then); a past date is
  refused. A refusal raises `ChangesRefused` (a `Refused`, status 400) whose `lines` name
  each refused change by its index and why; nothing is written.
- `preview_changes(...)` takes the same arguments and returns the `Outcome` it would have
  (lines with their charges, errors listed instead of raised), writing nothing.
- `cancel_scheduled(actor, batch)` cancels a scheduled batch before its day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casedesk.accounts import permissions
from casedesk.accounts.models import Organisation
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.inventory import access, engine
from casedesk.inventory.engine import Line, Totals
from casedesk.inventory.models import ChangeBatch
from casedesk.rules.inventory import Change

LINES_KEPT = 1000  # an outcome lists this many lines; counts and totals cover every change


@dataclass
class Outcome:
    batch: ChangeBatch | None
    effective: date
    scheduled: bool
    totals: Totals = field(default_factory=Totals)
    lines: list[Line] = field(default_factory=list)

    @property
    def errors(self) -> list[Line]:
        return self.totals.errors

    @property
    def monthly(self) -> Any:
        return self.totals.monthly

    @property
    def amount(self) -> Any:
        return self.totals.amount

    @property
    def count(self) -> int:
        return sum(self.totals.counts.values())


class ChangesRefused(Refused):
    """Some changes cannot be made; `lines` says which (by index) and why. Nothing written."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = list(lines)
        shown = "; ".join(
            f"change {ln.index + 1} ({ln.label} {ln.key}): {ln.error}" for ln in self.lines[:20]
        )
        more = f"; and {len(self.lines) - 20} more" if len(self.lines) > 20 else ""
        super().__init__(f"Nothing was changed. {shown}{more}")


def today() -> date:
    return timezone.localdate(clock.now())


def _effective(effective: date | None) -> date:
    now = today()
    if effective is None:
        return now
    if effective < now:
        raise Refused(f"The effective date {effective.isoformat()} is in the past; choose today or later.")
    if (effective - now).days > 366:
        raise Refused("Changes can be scheduled up to a year ahead.")
    return effective


def apply_changes(
    actor: Any,
    organisation: Organisation,
    changes: Iterable[Change],
    *,
    effective: date | None = None,
    source: str = "portal",
    reference: str = "",
) -> Outcome:
    access.require_manage(actor, organisation)
    when = _effective(effective)
    if when > today():
        return _schedule(actor, organisation, list(changes), when, source, reference)
    return _apply_now(actor, organisation, changes, when, source, reference)


def preview_changes(
    actor: Any,
    organisation: Organisation,
    changes: Iterable[Change],
    *,
    effective: date | None = None,
) -> Outcome:
    """What `apply_changes` would do, written and rolled back: the charges are exact."""
    access.require_manage(actor, organisation)
    when = _effective(effective)
    outcome = Outcome(None, when, when > today())
    try:
        with transaction.atomic():
            ctx = engine.context(organisation, permissions.user_of(actor), when, clock.now())
            _collect(outcome, engine.run(ctx, changes))
            raise _Rollback
    except _Rollback:
        pass
    return outcome


class _Rollback(Exception):
    pass


def _collect(outcome: Outcome, lines: Iterable[Line]) -> None:
    for line in lines:
        outcome.totals.add(line)
        if len(outcome.lines) < LINES_KEPT:
            outcome.lines.append(line)


def _apply_now(
    actor: Any,
    organisation: Organisation,
    changes: Iterable[Change],
    when: date,
    source: str,
    reference: str,
    batch: ChangeBatch | None = None,
) -> Outcome:
    now = clock.now()
    by = permissions.user_of(actor)
    try:
        with transaction.atomic():
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # one writer per org
            if batch is None:
                batch = ChangeBatch.objects.create(
                    organisation=organisation,
                    by=by,
                    source=source[:20],
                    reference=reference[:80],
                    status=ChangeBatch.Status.APPLIED,
                    effective=when,
                    created_at=now,
                )
            outcome = Outcome(batch, when, False)
            ctx = engine.context(organisation, by, when, now, batch=batch)
            _collect(outcome, engine.run(ctx, changes))
            if outcome.errors:
                raise ChangesRefused(outcome.errors)
            batch.status = ChangeBatch.Status.APPLIED
            batch.applied_at = now
            batch.count = outcome.count
            batch.save(update_fields=["status", "applied_at", "count"])
    except IntegrityError:
        # Two organisations adding one number at the same moment: the constraint decides.
        raise Refused(
            "Nothing was changed: a number or item was taken by someone else meanwhile. Try again."
        ) from None
    return outcome


def _schedule(
    actor: Any, organisation: Organisation, changes: list[Change], when: date, source: str, reference: str
) -> Outcome:
    preview = preview_changes(actor, organisation, changes, effective=when)
    if preview.errors:
        raise ChangesRefused(preview.errors)
    due = timezone.make_aware(datetime.combine(when, time(0, 0)))
    batch = ChangeBatch.objects.create(
        organisation=organisation,
        by=permissions.user_of(actor),
        source=source[:20],
        reference=reference[:80],
        status=ChangeBatch.Status.SCHEDULED,
        effective=when,
        due_at=due,
        changes=[c.as_dict() for c in changes],
        count=len(changes),
        created_at=clock.now(),
    )
    preview.batch = batch
    preview.scheduled = True
    return preview


def cancel_scheduled(actor: Any, batch: ChangeBatch) -> ChangeBatch:
    access.require_manage(actor, batch.organisation)
    with transaction.atomic():
        locked = ChangeBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if locked is None:
            raise NotFound("No such scheduled change.")
        if locked.status != ChangeBatch.Status.SCHEDULED:
            raise Refused(
                f"These changes are {locked.get_status_display().lower()}; "
                "only scheduled ones can be cancelled."
            )
        locked.status = ChangeBatch.Status.CANCELLED
        locked.save(update_fields=["status"])
    return locked


def apply_due(now: datetime, limit: int = 100) -> dict[str, int]:
    """The scheduled batches whose day has come, each applied by the same engine (checked
    again against the inventory as it now is); a refused one is marked failed with why."""
    ids = list(
        ChangeBatch.objects.filter(status=ChangeBatch.Status.SCHEDULED, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    applied = failed = 0
    for batch_id in ids:
        with transaction.atomic():
            batch = (
                ChangeBatch.objects.select_for_update(of=("self",))
                .select_related("organisation", "by")
                .filter(pk=batch_id, status=ChangeBatch.Status.SCHEDULED)
                .first()
            )
            if batch is None:
                continue  # another sweeper took it
            changes = [Change.from_dict(c) for c in batch.changes]
            try:
                _apply_now(
                    batch.by,
                    batch.organisation,
                    changes,
                    batch.effective,
                    batch.source,
                    batch.reference,
                    batch,
                )
                applied += 1
            except Refused as exc:
                batch.status = ChangeBatch.Status.FAILED
                batch.error = str(exc)[:5000]
                batch.save(update_fields=["status", "error"])
                failed += 1
    return {"applied": applied, "failed": failed}
