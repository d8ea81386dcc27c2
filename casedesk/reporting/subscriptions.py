"""Scheduled reports: a manager's subscription to one report with its filters, e-mailed
once per week or month for the period just ended. The e-mail itself is the console's to
draw (it owns the reports' tables); here: who is subscribed, which period is due, and
that each period is taken once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from casedesk.accounts import permissions
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.reporting.models import Subscription
from casedesk.rules.permissions import Ability

FILTER_KEYS = ("organisation", "platform", "team", "priority", "channel", "kind", "by")


def period_before(every: str, today: date) -> tuple[date, date]:
    """The last whole week (Monday to Sunday) or month before `today`."""
    if every == Subscription.Every.WEEK:
        start = today - timedelta(days=today.weekday() + 7)
        return start, start + timedelta(days=6)
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def subscribe(
    *, by: Any, report: str, filters: Mapping[str, str], every: str, known: set[str]
) -> Subscription:
    permissions.require(by, Ability.REPORTS)
    if report not in known:
        raise Refused("There is no such report.")
    if every not in Subscription.Every.values:
        raise Refused("Choose weekly or monthly.")
    kept = {k: str(v)[:200] for k, v in filters.items() if k in FILTER_KEYS and v}
    return Subscription.objects.create(
        user=by, report=report, filters=kept, every=every, created_at=clock.now()
    )


def unsubscribe(*, by: Any, subscription_id: int) -> None:
    deleted, _ = Subscription.objects.filter(pk=subscription_id, user=by).delete()
    if not deleted:
        raise NotFound("No such subscription of yours.")


def mine(user: Any) -> list[Subscription]:
    return list(Subscription.objects.filter(user=user))


def send_due(now: datetime, send: Callable[[Subscription, date, date], None]) -> int:
    """Each subscription whose last whole period has not been sent: locked, sent (`send`
    enqueues through the outbox in this transaction) and marked, so a second run, or a
    second process, sends nothing more."""
    today = timezone.localdate(now)
    sent = 0
    for pk, every in Subscription.objects.values_list("pk", "every"):
        start, end = period_before(every, today)
        with transaction.atomic():
            sub = Subscription.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if sub is None or (sub.sent_for is not None and sub.sent_for >= start):
                continue
            if timezone.localdate(sub.created_at) > end + timedelta(days=1) and sub.sent_for is None:
                # Subscribed after the period ended: its first e-mail is the next period's.
                sub.sent_for = start
                sub.save(update_fields=["sent_for"])
                continue
            if not permissions.can(sub.user, Ability.REPORTS) or not sub.user.is_active:
                continue
            send(sub, start, end)
            sub.sent_for = start
            sub.save(update_fields=["sent_for"])
            sent += 1
    return sent
