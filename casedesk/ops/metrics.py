"""Prometheus metrics at `/metrics`, behind a bearer token (`CASEDESK_METRICS_TOKEN`).

Two kinds of figure:
- measured in this process: request latency by route name (a histogram). Under gunicorn
  each web process's workers share `PROMETHEUS_MULTIPROC_DIR` (`config/gunicorn.py`), so
  one scrape of a process counts all its workers; scrape every web process.
- read from the shared state, the same whichever process answers: the task queue's depth
  in the broker, the outbox (pending, oldest due, retrying, failed), webhook deliveries,
  SLA breaches by priority and received mail by outcome. These come from the database,
  at most once every `CASEDESK_METRICS_CACHE_SECONDS` for the whole desk (kept in the
  shared cache), so a scrape every few seconds from several Prometheus servers costs the
  database one set of counts.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from casedesk.core import clock

REQUEST_SECONDS = Histogram(
    "casedesk_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SNAPSHOT_KEY = "ops:metrics:snapshot"
QUEUE = "celery"  # Celery's default queue, the only one the desk uses


class LatencyMiddleware:
    """Times every request; the label is the route's name, never the path (bounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.view_name or match.route or "unnamed") if match else "unmatched"
        REQUEST_SECONDS.labels(route, request.method or "", str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


def queue_depth() -> dict[str, int]:
    """Tasks waiting in the broker, per queue (Redis keeps each queue as a list)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        # "unacked": taken by a worker, not yet acknowledged (acks_late: until finished).
        return {QUEUE: int(client.llen(QUEUE)), "unacked": int(client.hlen("unacked"))}
    finally:
        client.close()


def database_snapshot() -> dict[str, Any]:
    """The shared figures, counted now (see the module's text for how often)."""
    from casedesk.mail.models import InboundMessage
    from casedesk.outbox.models import OutboundMessage
    from casedesk.sla.models import Breach
    from casedesk.status.models import WebhookDelivery

    now = clock.now()
    pending = OutboundMessage.objects.filter(state="pending")
    oldest = pending.filter(next_attempt_at__lte=now).aggregate(due=Min("next_attempt_at"))["due"]
    return {
        "outbox_pending": pending.count(),
        "outbox_retrying": pending.filter(attempts__gt=0).count(),
        "outbox_failed": OutboundMessage.objects.filter(state="failed").count(),
        "outbox_lag": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        "webhooks": dict(
            WebhookDelivery.objects.exclude(state="sent").values_list("state").annotate(n=Count("id"))
        ),
        "breaches": dict(Breach.objects.values_list("priority").annotate(n=Count("id"))),
        "intake": [
            [state, outcome, n]
            for state, outcome, n in InboundMessage.objects.values_list("state", "outcome").annotate(
                n=Count("id")
            )
        ],
    }


class SharedStateCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        snapshot = cache.get(SNAPSHOT_KEY)
        if snapshot is None:
            snapshot = database_snapshot()
            cache.set(SNAPSHOT_KEY, snapshot, settings.CASEDESK_METRICS_CACHE_SECONDS)
        depth = GaugeMetricFamily(
            "casedesk_task_queue_depth", "Tasks waiting in the broker.", labels=["queue"]
        )
        for queue, n in queue_depth().items():
            depth.add_metric([queue], n)
        yield depth
        outbox = GaugeMetricFamily("casedesk_outbox_messages", "Outbox messages by state.", labels=["state"])
        outbox.add_metric(["pending"], snapshot["outbox_pending"])
        outbox.add_metric(["retrying"], snapshot["outbox_retrying"])
        outbox.add_metric(["failed"], snapshot["outbox_failed"])
        yield outbox
        yield GaugeMetricFamily(
            "casedesk_outbox_lag_seconds",
            "How long the oldest due outbox message has waited (0: none waiting).",
            value=snapshot["outbox_lag"],
        )
        hooks = GaugeMetricFamily(
            "casedesk_webhook_deliveries", "Webhook deliveries not sent, by state.", labels=["state"]
        )
        for state in ("pending", "failed"):
            hooks.add_metric([state], snapshot["webhooks"].get(state, 0))
        yield hooks
        breaches = CounterMetricFamily(
            "casedesk_sla_breaches", "SLA deadlines missed, by priority.", labels=["priority"]
        )
        for priority, n in sorted(snapshot["breaches"].items()):
            breaches.add_metric([priority], n)
        yield breaches
        intake = CounterMetricFamily(
            "casedesk_intake_messages", "Received e-mail by state and outcome.", labels=["state", "outcome"]
        )
        for state, outcome, n in snapshot["intake"]:
            intake.add_metric([state, outcome or "none"], n)
        yield intake


SHARED = CollectorRegistry(auto_describe=False)
SHARED.register(SharedStateCollector())


def authorised(request: HttpRequest) -> bool:
    token = settings.CASEDESK_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.CASEDESK_METRICS_TOKEN:
        raise Http404("metrics are off")
    if not authorised(request):
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        local = CollectorRegistry()
        MultiProcessCollector(local)
    else:
        local = REGISTRY
    body = generate_latest(local) + generate_latest(SHARED)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
