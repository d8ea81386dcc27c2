"""Celery for production (a broker in CELERY_BROKER_URL, by default REDIS_URL); embedded,
tasks run in-process. Every task carries the request id of what queued it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from casedesk.core import requestid  # noqa: E402 - needs the app configured first

requestid.connect_celery()
