"""Webhook delivery: a JSON POST signed with HMAC-SHA256, retried with backoff, no redirects.

Signature header: `X-Casedesk-Signature: t=<unix time>,v1=<hex hmac of "<t>.<body>">`,
keyed with the subscription's secret (the receiver checks it and the age of `t`).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

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


def _pinned(connection_class: type[http.client.HTTPConnection], address: str) -> Any:
    """Connections of `connection_class` that reach `address`, the address that was
    checked, whatever the host name resolves to by the time they connect (TLS still
    verifies the certificate against the host name)."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = connection_class(host, **kwargs)
        create = connection._create_connection  # type: ignore[attr-defined]

        def to_address(destination: tuple[str, int], *args: Any, **kw: Any) -> Any:
            return create((address, destination[1]), *args, **kw)

        connection._create_connection = to_address  # type: ignore[attr-defined]
        return connection

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.address),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


def _opener(address: str) -> urllib.request.OpenerDirector:
    # No proxy: the request goes straight to the address that was checked.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect, _PinnedHTTP(address), _PinnedHTTPS(address)
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(url: str, secret: str, body: bytes, event_id: str, now: datetime) -> int:
    from casedesk.status.actions import webhook_addresses

    # Checked again at delivery (the name may resolve elsewhere by now), and the
    # connection goes to the address checked, not to a second look-up of the name.
    address = webhook_addresses(url)[0]
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
    with _opener(address).open(request, timeout=TIMEOUT) as response:
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
