"""Billable time on MACD requests: staff log a duration or run a timer, with a note; only
once the request is approved (or pre-approved); an entry invoiced can no longer change.
Each entry is also an internal note on the case's timeline (who, how long, why)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum

from casedesk.accounts import permissions
from casedesk.cases import actions as cases
from casedesk.cases.models import Case, CaseEvent, Kind
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.macd import fees
from casedesk.macd.models import Request, TimeEntry
from casedesk.rules import billing
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability

NOTE_MAX = 500


def _locked(case: Case, by: Any) -> tuple[Case, Request]:
    """The case and its request under their row locks, for staff who may work it now."""
    cases.require_staff(by, Ability.WORK_CASE)
    if case.kind != Kind.MACD:
        raise NotFound(f"{case.number} is not a MACD request.")
    locked = cases.lock(case)
    permissions.require_for_case(by, Ability.WORK_CASE, locked)
    cases.require_workable(locked)
    return locked, Request.objects.select_for_update().get(pk=locked.pk)


def _check(minutes: int) -> int:
    try:
        billing.check_entry(minutes)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    return minutes


def _note(case: Case, by: Any, text: str, minutes: int) -> None:
    cases.record(
        case,
        by,
        Actor.STAFF,
        CaseEvent.Kind.NOTE,
        body=text,
        changes={"time_minutes": [None, minutes]},
        public=False,
    )


def log_time(case: Case, *, by: Any, minutes: int, note: str) -> TimeEntry:
    """A duration of work, with what was done."""
    minutes = _check(minutes)
    note = cases.clean_text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        case, request = _locked(case, by)
        now = clock.now()
        entry = TimeEntry.objects.create(
            request=request, staff=by, minutes=minutes, note=note, created_at=now, updated_at=now
        )
        _note(case, by, f"Logged {minutes} min: {note}", minutes)
    return entry


def start_timer(case: Case, *, by: Any, note: str = "") -> TimeEntry:
    note = cases.clean_text(note, "note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        _, request = _locked(case, by)
        if TimeEntry.objects.filter(request=request, staff=by, minutes__isnull=True).exists():
            raise Refused("Your timer on this request is running already; stop it first.")
        now = clock.now()
        return TimeEntry.objects.create(
            request=request, staff=by, note=note, started_at=now, created_at=now, updated_at=now
        )


def stop_timer(case: Case, *, by: Any, note: str = "") -> TimeEntry:
    """Stop the person's running timer: its time, in whole minutes rounded up, is logged."""
    note = cases.clean_text(note, "note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        case, request = _locked(case, by)
        entry = (
            TimeEntry.objects.select_for_update()
            .filter(request=request, staff=by, minutes__isnull=True)
            .first()
        )
        if entry is None or entry.started_at is None:
            raise Refused("You have no timer running on this request.")
        now = clock.now()
        minutes = max(1, math.ceil((now - entry.started_at).total_seconds() / 60))
        _check(minutes)
        entry.minutes, entry.updated_at = minutes, now
        entry.note = note or entry.note or "Timed work"
        entry.save()
        _note(case, by, f"Logged {minutes} min (timer): {entry.note}", minutes)
    return entry


def edit_entry(entry_id: int, *, by: Any, minutes: int, note: str) -> TimeEntry:
    """Correct an entry (its author or a manager); refused once invoiced."""
    minutes = _check(minutes)
    note = cases.clean_text(note, "note", required=True, limit=NOTE_MAX)
    cases.require_staff(by, Ability.WORK_CASE)
    with transaction.atomic():
        entry = (
            TimeEntry.objects.select_for_update().select_related("request__case").filter(pk=entry_id).first()
        )
        if entry is None:
            raise NotFound("No such time entry.")
        case, _ = _locked(entry.request.case, by)
        if entry.invoiced:
            raise Refused(
                f"This time entry was invoiced ({entry.invoice_reference or 'invoiced'}) "
                "and can no longer change."
            )
        if entry.running:
            raise Refused("Stop the timer before editing the entry.")
        if entry.staff_id != by.pk and not permissions.can(by, Ability.REPORTS):
            raise Refused("Only who logged the time, or a manager, may correct it.")
        old = entry.minutes
        entry.minutes, entry.note, entry.updated_at = minutes, note, clock.now()
        entry.save()
        cases.record(
            case,
            by,
            Actor.STAFF,
            CaseEvent.Kind.NOTE,
            body=f"Corrected a time entry: {note}",
            changes={"time_minutes": [old, minutes]},
            public=False,
        )
    return entry


def mark_invoiced(entry_ids: Sequence[int], *, reference: str) -> int:
    """Invoicing marks the entries it bills (the billing app calls this); they lock."""
    reference = cases.clean_text(reference, "invoice reference", required=True, limit=60, single_line=True)
    with transaction.atomic():
        return TimeEntry.objects.filter(
            pk__in=list(entry_ids), invoiced_at__isnull=True, minutes__isnull=False
        ).update(invoiced_at=clock.now(), invoice_reference=reference)


@dataclass(frozen=True)
class Totals:
    minutes: int
    fee: billing.Fee
    running_since: Any  # the earliest running timer's start, or None


def totals(request: Request) -> Totals:
    """Time so far and the fee so far (running timers not yet counted)."""
    agg = TimeEntry.objects.filter(request=request).aggregate(m=Sum("minutes"))
    minutes = int(agg["m"] or 0)
    running = (
        TimeEntry.objects.filter(request=request, minutes__isnull=True)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return Totals(minutes, fees.fee(minutes, request.speed), running)
