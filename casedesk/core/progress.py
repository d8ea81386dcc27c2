"""How far along work is that runs inside one transaction (applying an import): its own
rows are invisible to everyone else until it commits, so the count goes to the shared cache
(Redis in the production shape), which the progress page reads while the work runs.

Embedded, the cache is a table written through the same connection, inside that same
transaction, and the work runs in the request that started it; nothing is written there,
and the page shows the count from the database when the request returns."""

from __future__ import annotations

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache

TIMEOUT = 6 * 3600  # longer than any apply; a stale count expires on its own


def _usable() -> bool:
    return not isinstance(caches["default"], DatabaseCache)


def report(key: str, done: int, total: int) -> None:
    if _usable():
        cache.set(f"progress:{key}", [done, total], TIMEOUT)


def read(key: str) -> tuple[int, int] | None:
    if not _usable():
        return None
    found = cache.get(f"progress:{key}")
    if not found:
        return None
    done, total = found
    return int(done), int(total)


def clear(key: str) -> None:
    if _usable():
        cache.delete(f"progress:{key}")
