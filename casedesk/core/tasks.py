"""Background work as Celery tasks, one convention for all of them.

Every task here is a "do what is due" step whose state lives in the database (rows claimed
under a lease, dedupe keys, re-checks under row locks), so running it twice, or in two
workers at once, or again after a worker died half-way, does nothing twice. That is what
lets the broker redeliver freely:

- `acks_late`: a message is acknowledged when its task has finished, so a worker killed
  mid-task (SIGKILL, a lost machine) leaves it to be delivered again
  (`reject_on_worker_lost` for a pool child that dies; Redis hands an unacknowledged
  message out again after `CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]`);
- retries with exponential backoff and jitter on any error, at most `max_retries`;
- beat's periodic sends expire after one interval, so a busy or absent worker does not
  come back to a pile of stale sweeps.

Embedded (no broker), `CELERY_TASK_ALWAYS_EAGER` runs a task in the caller's process and
`kick` sends nothing: the sweep loop of `make run` does the same work.

Further jobs (invoice runs, imports) are declared with `job(name)` and written the same
way: idempotent steps over rows that record their own progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings

from casedesk.core import sweeps

RETRY_BACKOFF_MAX = 600  # seconds; well inside the broker's visibility timeout
MAX_RETRIES = 5


def job(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A Celery task with the desk's delivery guarantees (see the module's text)."""
    defaults: dict[str, Any] = {
        "name": name,
        "ignore_result": True,
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": (Exception,),
        "retry_backoff": True,
        "retry_backoff_max": RETRY_BACKOFF_MAX,
        "retry_jitter": True,
        "max_retries": MAX_RETRIES,
    }
    return shared_task(**{**defaults, **options})


def kick(name: str, **kwargs: Any) -> None:
    """After a commit: with a broker, wake a worker for `name` now. Sent by name, so a
    domain app queues work without importing the module that defines the task."""
    if settings.CELERY_BROKER_URL:
        from celery import current_app

        current_app.send_task(name, kwargs=kwargs or None)


@job("casedesk.run_sweeps", autoretry_for=())
def run_sweeps() -> list[str]:
    """Beat's tick: one task per sweep, so workers share them and a slow one holds up no
    other. A failing sweep is retried on its own (`casedesk.sweep`)."""
    names = sweeps.names()
    for name in names:
        sweep.apply_async(args=[name], expires=settings.CASEDESK_SWEEP_INTERVAL * 4)
    return names


@job("casedesk.sweep")
def sweep(name: str) -> Any:
    return sweeps.run_one(name)
