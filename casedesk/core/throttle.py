"""Rate limits and backoff kept in the shared cache (Redis when `REDIS_URL` is set, the
database otherwise): every worker counts the same attempts, and a restart forgets none.

Keys are hashed, so any typed address or client makes a short, safe cache key. Time comes
from `casedesk.core.clock`, so tests move it instead of sleeping.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.core.cache import cache

from casedesk.core import clock


def key(*parts: str) -> str:
    kind, rest = parts[0], "\x1f".join(parts[1:])
    return f"throttle:{kind}:{hashlib.sha256(rest.encode()).hexdigest()[:32]}"


def hit(name: str, window: int) -> int:
    """Count one more event under `name` for `window` seconds; the count so far."""
    cache.add(name, 0, window)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, window)
        return 1


def count(name: str) -> int:
    return int(cache.get(name, 0) or 0)


def forget(*names: str) -> None:
    cache.delete_many(list(names))


@dataclass(frozen=True)
class Backoff:
    """After `free` failures, each further one doubles the wait, from `base` up to `cap`
    seconds: slower and slower guessing, never a lock the owner cannot get past."""

    free: int
    base: int
    cap: int

    def wait(self, failures: int) -> int:
        if failures < self.free:
            return 0
        return min(self.cap, self.base * 2 ** min(failures - self.free, 20))


def hold(name: str, seconds: int) -> None:
    """Nothing under `name` before `seconds` from now."""
    if seconds > 0:
        cache.set(name, clock.now().timestamp() + seconds, seconds)


def retry_after(name: str) -> int:
    """Seconds left of a hold (0: go ahead)."""
    until = cache.get(name)
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - clock.now().timestamp()))
