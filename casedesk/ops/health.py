"""Probes for a process manager or load balancer.

`/healthz`: the process answers (no database, nothing shared), for restarts.
`/readyz`: the database answers and every migration is applied, the shared cache keeps a
value, and the broker takes a connection; 503 naming what failed, for taking a web process
in or out of rotation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

BROKER_TIMEOUT = 2.0  # seconds
_migrated = False  # once true in a process it stays true: new migrations come with new code


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


def check_database() -> str:
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrated:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
            raise RuntimeError(f"{len(plan)} migration(s) not applied: {names}")
        _migrated = True
    return "ok"


def check_cache() -> str:
    key, value = f"readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, 10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)
    return "ok"


def check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none (tasks run in-process)"
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
        channel = conn.default_channel
        if hasattr(channel, "client"):  # Redis: a round trip, not only a socket
            channel.client.ping()
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    failed: list[str] = []
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = f"{type(exc).__name__}: {exc}"[:300]
            failed.append(name)
    if failed:
        return JsonResponse({"status": "not ready", "failed": failed, "checks": checks}, status=503)
    return JsonResponse({"status": "ready", "checks": checks})
