"""Periodic work as plain functions of `now`: one registry, run by Celery beat in
production and by `run_sweeps --loop` (started by `make run`) embedded.

Each sweep reads only what is due through an index and is idempotent: run twice, or by two
processes at once, it never doubles a notice or a transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from casedesk.core import clock

log = logging.getLogger(__name__)
Sweep = Callable[[datetime], Any]
REGISTRY: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    def register(fn: Sweep) -> Sweep:
        REGISTRY[name] = fn
        return fn

    return register


def discover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("sweeps")


def names() -> list[str]:
    discover()
    return list(REGISTRY)


def run_one(name: str, now: datetime | None = None) -> Any:
    """One sweep by name (a Celery task's body); its errors go to the caller."""
    discover()
    return REGISTRY[name](now or clock.now())


def run_all(now: datetime | None = None) -> dict[str, Any]:
    """Run every sweep once; one failing sweep does not stop the others."""
    discover()
    results: dict[str, Any] = {}
    for name, fn in REGISTRY.items():
        try:
            results[name] = fn(now or clock.now())
        except Exception:
            log.exception("sweep %s failed", name)
            results[name] = "error"
    return results
