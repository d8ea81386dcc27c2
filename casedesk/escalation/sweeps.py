"""The sweeps that close, wake and escalate cases. Each reads one indexed range of what is
due (in batches), and is idempotent: actions re-check under the row lock, and notices carry
dedupe keys, so a second run, or a second process, doubles nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from casedesk.cases import actions, clocks
from casedesk.cases.models import OPEN_Q, Case
from casedesk.core.errors import Refused
from casedesk.core.sweeps import sweep
from casedesk.escalation import alerts as notices
from casedesk.outbox import delivery as outbox
from casedesk.rules import closing
from casedesk.rules.lifecycle import Status

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
    due = [case.pk for case in _due("on_hold_until", now, Q(status=Status.ON_HOLD.value))]
    for start in range(0, len(due), CHUNK):
        with transaction.atomic():
            # Re-read under the lock: someone may have moved it or its hold time meanwhile.
            ready = [
                case
                for case in actions.lock_due(due[start : start + CHUNK])
                if case.status == Status.ON_HOLD.value and case.on_hold_until and case.on_hold_until <= now
            ]
            results = actions.system_transitions(
                ready, to=Status.IN_PROGRESS.value, note="The hold time has come."
            )
            moved = [case for case in results if isinstance(case, Case)]
            outbox.save_many([message for case in moved for message in notices.hold_woken(case)])
        woken += len(moved)
    return woken


@sweep("warn_no_response")
def warn_no_response(now: datetime) -> int:
    """One business day before a case that waits on the customer for information closes,
    the customer is told when, once (re-checked under the row lock; the notice has a dedupe
    key); the closure then comes a business day after the warning."""
    warned = 0
    due = [case.pk for case in _due("close_warning_at", now)]
    for start in range(0, len(due), CHUNK):
        with transaction.atomic():
            warned += len(actions.warn_no_response(actions.lock_due(due[start : start + CHUNK]), now))
    return warned


NOTES = {
    Status.CLOSED_NO_RESPONSE: "Closed after two business days without a reply. Reply to open a new case.",
    Status.CLOSED: "Closed two business days after the resolution without an answer: we take it that it "
    "is fixed. If it is not, reply within 7 days and the case is reopened.",
}


@sweep("close_no_response")
def close_no_response(now: datetime) -> int:
    """Cases that waited two business days on the customer close: a question unanswered as
    Closed No Response, a resolution nobody confirmed as Closed (the work was done and
    tested; the customer may still reopen it)."""
    closed = 0
    due = [case.pk for case in _due("auto_close_at", now)]
    for start in range(0, len(due), CHUNK):
        with transaction.atomic():
            locked = actions.lock_due(due[start : start + CHUNK])
            # The customer may have answered since the list was read: ask the clocks again.
            actions.refresh_clocks(locked, now)
            ready = [c for c in locked if c.auto_close_at is not None and c.auto_close_at <= now]
            by_target: dict[Status, list[Case]] = {}
            for case in ready:
                by_target.setdefault(closing.closes_as(case.status_enum), []).append(case)
            # The customer's notice goes out with the status event (cases.notices).
            for target, cases in by_target.items():
                results = actions.system_transitions(cases, to=target.value, note=NOTES[target])
                for case, result in zip(cases, results, strict=True):
                    if isinstance(result, Refused):
                        log.warning(
                            "case %s waits on the customer but cannot close: %s", case.pk, case.status
                        )
                        actions.stop_auto_close(case)
                    else:
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
    on_call: list[tuple[int | None, str]] | None = None
    for start in range(0, len(due), CHUNK):
        with transaction.atomic():
            locked = actions.lock_due(due[start : start + CHUNK])
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
