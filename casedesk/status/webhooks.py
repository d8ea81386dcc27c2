"""Webhook delivery: a JSON POST signed with HMAC-SHA256, retried with backoff, no redirects.

Signature header: `X-Casedesk-Signature: t=<unix time>,v1=<hex hmac of "<t>.<body>">`,
keyed with the subscription's secret (the receiver checks it and the age of `t`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.db import transaction

from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.mail.outbox import backoff
from casedesk.status.models import WebhookDelivery

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
TIMEOUT = 5


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect refused ({code})", headers, fp)


_opener = urllib.request.build_opener(_NoRedirect)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(url: str, secret: str, body: bytes, event_id: str, now: datetime) -> int:
    from casedesk.status.actions import check_webhook_target

    check_webhook_target(url)  # again at delivery: the name may resolve elsewhere by now
    stamp = int(now.timestamp())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "casedesk-webhooks/1",
            "X-Casedesk-Event": event_id,
            "X-Casedesk-Signature": signature(secret, stamp, body),
        },
    )
    with _opener.open(request, timeout=TIMEOUT) as response:
        return int(response.status)


def deliver_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    now = now or clock.now()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
            .exclude(locked_until__gt=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(locked_until=now + LEASE)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for row in rows:
        sub = row.subscription
        try:
            status = post(sub.url, sub.secret, row.payload.encode(), f"{row.event_key}:{row.pk}", now)
            if not 200 <= status < 300:
                raise RuntimeError(f"HTTP {status}")
        except (OSError, RuntimeError, Refused, urllib.error.URLError) as exc:
            attempts = row.attempts + 1
            gave_up = attempts >= MAX_ATTEMPTS
            log.warning("webhook %s to %s failed (try %d): %s", row.event_key, sub.url, attempts, exc)
            WebhookDelivery.objects.filter(pk=row.pk).update(
                attempts=attempts,
                state=WebhookDelivery.State.FAILED if gave_up else WebhookDelivery.State.PENDING,
                next_attempt_at=now + backoff(attempts),
                locked_until=None,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            counts["failed" if gave_up else "retry"] += 1
            continue
        WebhookDelivery.objects.filter(pk=row.pk).update(
            state=WebhookDelivery.State.SENT, attempts=row.attempts + 1, locked_until=None, last_error=""
        )
        counts["sent"] += 1
    return counts
