"""Every task redeliverable: acknowledged late, retried with backoff, and beat's ticks
expiring; the sweeps fanned out one task each; the broker follows REDIS_URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from casedesk.core import sweeps, tasks
from casedesk.outbox import delivery
from casedesk.outbox import tasks as outbox_tasks
from casedesk.status import notices, webhooks
from casedesk.status import tasks as status_tasks
from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["casedesk.deliver_outbox", "casedesk.deliver_webhooks", "casedesk.sweep"])
def test_tasks_are_redeliverable_and_retried_with_backoff(name):
    task = app.tasks[name]
    assert task.acks_late and task.reject_on_worker_lost
    assert task.autoretry_for == (Exception,)
    assert task.retry_backoff and task.retry_jitter and task.max_retries == tasks.MAX_RETRIES
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > tasks.RETRY_BACKOFF_MAX


def test_the_names_tasks_are_sent_by_match_their_tasks():
    assert outbox_tasks.deliver_outbox.name == delivery.TASK
    assert status_tasks.deliver_webhooks.name == webhooks.TASK == notices.WEBHOOK_TASK


def test_beat_ticks_expire_and_workers_take_one_task_at_a_time():
    entry = settings.CELERY_BEAT_SCHEDULE["sweeps"]
    assert entry["task"] == "casedesk.run_sweeps"
    assert entry["options"]["expires"] == entry["schedule"]
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.django_db
def test_a_tick_runs_every_sweep_as_its_own_task(monkeypatch, settings):
    settings.CELERY_BROKER_URL = ""  # eager: each task runs at once, in order
    ran: list[str] = []
    real = sweeps.run_one
    monkeypatch.setattr(sweeps, "run_one", lambda name, now=None: ran.append(name) or real(name, now))
    names = tasks.run_sweeps.apply().get()
    assert ran == names == sweeps.names()
    assert {"deliver_outbox", "wake_on_hold", "status_webhooks", "retry_inbound"} <= set(names)


def test_kick_sends_nothing_embedded(settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""
    sent: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append(name))
    tasks.kick(delivery.TASK)
    assert sent == []
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    tasks.kick(delivery.TASK)
    assert sent == [delivery.TASK]


def broker_settings(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    code = (
        "from django.conf import settings as s; print(repr(s.CELERY_BROKER_URL), s.CELERY_TASK_ALWAYS_EAGER)"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_broker_is_redis_url_unless_said_otherwise():
    assert broker_settings() == "'' True"
    assert broker_settings(REDIS_URL="redis://r:6379/0") == "'redis://r:6379/0' False"
    assert broker_settings(REDIS_URL="redis://r:6379/0", CELERY_BROKER_URL="") == "'' True"
    assert broker_settings(CELERY_BROKER_URL="amqp://guest@q//") == "'amqp://guest@q//' False"


@pytest.mark.django_db
def test_a_full_batch_queues_the_next_task_at_once(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"  # only for `kick`: sends are caught
    sent: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append(name))
    monkeypatch.setattr(delivery, "deliver_due", lambda limit: {"sent": limit, "retry": 0, "failed": 0})
    outbox_tasks.deliver_outbox.run()
    assert sent == [delivery.TASK]
    monkeypatch.setattr(delivery, "deliver_due", lambda limit: {"sent": limit - 1, "retry": 0, "failed": 0})
    outbox_tasks.deliver_outbox.run()
    assert sent == [delivery.TASK]  # the backlog is done: no further task


@pytest.mark.django_db
def test_no_message_is_sent_once_its_lease_is_nearly_over(monkeypatch, mailoutbox):
    from datetime import timedelta

    from casedesk.outbox.models import OutboundMessage

    for i in range(3):
        delivery.enqueue(kind="t", to=f"r{i}@example.net", subject="s", text="x")
    monkeypatch.setattr(delivery, "LEASE", timedelta(0))  # over before the first send
    counts = delivery.deliver_due()
    assert counts["sent"] == 0 and counts["returned"] == 3 and mailoutbox == []
    assert not OutboundMessage.objects.filter(locked_until__isnull=False).exists()  # taken again at once
    monkeypatch.setattr(delivery, "LEASE", timedelta(minutes=5))
    assert delivery.deliver_due()["sent"] == 3 and len(mailoutbox) == 3
