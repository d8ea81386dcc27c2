"""The one place code asks the time, so tests can move it (time-machine) without sleeping."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
