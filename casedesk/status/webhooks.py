"""Status webhooks: the targets they may have, adding and removing them, and delivery as
a JSON POST signed with HMAC-SHA256, retried with backoff, never redirected.

Signature header: `X-Casedesk-Signature: t=<unix time>,v1=<hex hmac of "<t>.<body>">`,
keyed with the subscription's secret (the receiver checks it and the age of `t`).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import urllib.error
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from casedesk.accounts.models import Platform, User
from casedesk.cases import actions as case_actions
from casedesk.core import clock, safe_http, tasks
from casedesk.core.errors import Forbidden, Refused
from casedesk.outbox import leases
from casedesk.rules.permissions import Ability
from casedesk.status import subscriptions
from casedesk.status.models import Incident, Subscription, WebhookDelivery

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
TIMEOUT = 5


def webhook_addresses(url: str) -> list[str]:
    """The addresses `url` may be posted to: refuses targets on private, loopback or
    link-local addresses unless allowed explicitly (CASEDESK_WEBHOOK_ALLOWED_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Webhooks need an http or https URL.")
    allowed = set(settings.CASEDESK_WEBHOOK_ALLOWED_HOSTS)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        raise Refused(f"{parts.hostname} does not resolve.") from None
    addresses: list[str] = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not safe_http.public(ip) and parts.hostname not in allowed and str(ip) not in allowed:
            raise Refused(f"Webhooks may not target {ip} (not a public address).")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise Refused(f"{parts.hostname} does not resolve.")
    return addresses


def check_webhook_target(url: str) -> str:
    webhook_addresses(url)
    return url


def add_webhook(
    *,
    by: User,
    url: str,
    platform: Platform | None = None,
    incident: Incident | None = None,
    secret: str = "",
) -> Subscription:
    if not by.is_authenticated:
        raise Forbidden("Log in first.")
    check_webhook_target(url)
    now = clock.now()
    return Subscription.objects.create(
        channel=Subscription.Channel.WEBHOOK,
        url=url,
        secret=secret or secrets.token_hex(32),
        created_at=now,
        confirmed_at=now,
        **subscriptions.topic(platform, incident),
    )


def add_platform_webhooks(*, by: User, url: str, platforms: Iterable[Platform]) -> list[Subscription]:
    """One webhook for maintenance and incidents on each of `platforms`, sharing one secret
    (each row's `secret`)."""
    case_actions.require_staff(by, Ability.MAINTENANCE)
    platform_list = list(platforms)
    if not platform_list:
        raise Refused("Choose a platform, or all platforms.")
    check_webhook_target(url)
    now = clock.now()
    secret = secrets.token_hex(32)
    with transaction.atomic():
        return [
            Subscription.objects.create(
                channel=Subscription.Channel.WEBHOOK,
                url=url,
                secret=secret,
                platform=platform,
                created_at=now,
                confirmed_at=now,
            )
            for platform in platform_list
        ]


def remove_webhook(subscription: Subscription, *, by: User) -> None:
    """Stop posting to a webhook; deliveries still queued for it go with it."""
    case_actions.require_staff(by, Ability.MAINTENANCE)
    Subscription.objects.filter(pk=subscription.pk, channel=Subscription.Channel.WEBHOOK).delete()


def post(url: str, secret: str, body: bytes, event_id: str, now: datetime) -> int:
    # Checked again at delivery (the name may resolve elsewhere by now), and the
    # connection goes to the address checked, not to a second look-up of the name.
    address = webhook_addresses(url)[0]
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "casedesk-webhooks/1",
        "X-Casedesk-Event": event_id,
        "X-Casedesk-Signature": safe_http.signature(secret, int(now.timestamp()), body),
    }
    return safe_http.post(url, address=address, body=body, headers=headers, timeout=TIMEOUT)


TASK = "casedesk.deliver_webhooks"  # the Celery task that posts them (`status.tasks`)


def kick() -> None:
    """After commit: with a broker, a worker posts the new deliveries now."""
    tasks.kick(TASK)


QUEUE = leases.Queue(WebhookDelivery, lease=LEASE, max_attempts=MAX_ATTEMPTS)


def deliver_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    now = now or clock.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for row in QUEUE.claim(now, limit, related=["subscription"]):
        sub = row.subscription
        try:
            status = post(sub.url, sub.secret, row.payload.encode(), f"{row.event_key}:{row.pk}", now)
            if not 200 <= status < 300:
                raise RuntimeError(f"HTTP {status}")
        except (OSError, RuntimeError, Refused, urllib.error.URLError) as exc:
            counts[QUEUE.retry(row, now, exc, f"webhook {row.event_key} to {sub.url}")] += 1
            continue
        QUEUE.done(row)
        counts["sent"] += 1
    return counts
