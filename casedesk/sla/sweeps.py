"""The sweeps that close, wake and escalate cases. Each reads one indexed range of what is
due (in batches), and is idempotent: actions re-check under the row lock, and notices carry
dedupe keys, so a second run, or a second process, doubles nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from casedesk.cases import actions
from casedesk.cases.models import OPEN_Q, Case
from casedesk.core.errors import Refused
from casedesk.core.sweeps import sweep
from casedesk.mail import outbox
from casedesk.rules.lifecycle import Status
from casedesk.sla import clocks, notices

log = logging.getLogger(__name__)
BATCH = 500
CHUNK = 100  # due cases locked and written together


def _due(field: str, now: datetime, where: Q = OPEN_Q) -> list[Case]:
    """What is due on `field`: the condition matches the field's partial index."""
    qs = Case.objects.filter(where, **{f"{field}__lte": now})
    return list(
        qs.select_related("organisation", "contact", "assignee", "team").order_by(field, "id")[:BATCH]
    )


@sweep("wake_on_hold")
def wake_on_hold(now: datetime) -> int:
    """On Hold cases whose time has come go back to In-Progress; the assignee is told."""
    woken = 0
    for case in _due("on_hold_until", now, Q(status=Status.ON_HOLD.value)):
        if case.status != Status.ON_HOLD.value:
            continue
        try:
            with transaction.atomic():
                case = actions.transition(
                    case, to=Status.IN_PROGRESS.value, by=None, note="The hold time has come."
                )
                notices.hold_woken(case)
        except Refused:
            continue  # someone moved it meanwhile
        woken += 1
    return woken


@sweep("close_no_response")
def close_no_response(now: datetime) -> int:
    """Cases that waited two business days on the customer close as Closed No Response."""
    closed = 0
    for case in _due("auto_close_at", now):
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            # The customer may have answered since the list was read: ask the clocks again.
            _, values, _ = clocks.compute(locked, now)
            if values["auto_close_at"] is None or values["auto_close_at"] > now:
                clocks.refresh(locked, now)
                continue
            try:
                # The customer's notice goes out with the status event (mail.notify).
                actions.transition(
                    locked,
                    to=Status.CLOSED_NO_RESPONSE.value,
                    by=None,
                    note="Closed after two business days without a reply. Reply to open a new case.",
                )
            except Refused:
                log.warning("case %s waits on the customer but cannot close: %s", locked.pk, locked.status)
                Case.objects.filter(pk=locked.pk).update(auto_close_at=None)
                continue
        closed += 1
    return closed


@sweep("sla_alerts")
def sla_alerts(now: datetime) -> int:
    """Warn the assignee at 80% of a target; at a breach tell the team manager, and out of
    hours for P1/P2 the on-call manager. The due cases are taken CHUNK at a time: locked
    together in key order, their timelines read with one query, their clocks stored and
    their notices queued with one statement each."""
    sent = 0
    due = [case.pk for case in _due("next_alert_at", now)]
    on_call: list[str] | None = None
    for start in range(0, len(due), CHUNK):
        with transaction.atomic():
            locked = list(
                Case.objects.select_for_update(of=("self",))
                .select_related("assignee", "team__manager", "organisation")
                .filter(pk__in=due[start : start + CHUNK])
                .order_by("pk")
            )
            alerts = clocks.alerts_now(locked, now)
            messages = []
            for case in locked:
                alert = alerts.get(case.pk)
                if alert is None:
                    continue
                if alert.stage == "breach" and on_call is None:
                    on_call = notices.on_call_now(now)
                messages += notices.sla_alert(case, alert, now, on_call)
            sent += len(outbox.save_many(messages))
    return sent
