"""The calendars and policies in force, read from the database and kept in memory.

Edits in the admin reach this process at once (signals) and other processes within
`TTL` seconds; the built calendars (holiday sets over decades) are costly to rebuild on
every case change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from casedesk.rules import calendar as cal
from casedesk.rules import sla as rules

TTL = 60.0
_lock = threading.Lock()
_cached: tuple[float, Config] | None = None


@dataclass(frozen=True)
class Config:
    policies: rules.Policies
    calendars: Mapping[str, cal.BusinessCalendar]

    def calendar(self, key: str) -> cal.BusinessCalendar:
        return self.calendars.get(key) or self.calendars[cal.STANDARD]


def current() -> Config:
    global _cached
    with _lock:
        if _cached is not None and time.monotonic() - _cached[0] < TTL:
            return _cached[1]
    config = _load()
    with _lock:
        _cached = (time.monotonic(), config)
    return config


def invalidate(**_: object) -> None:
    global _cached
    with _lock:
        _cached = None


def _load() -> Config:
    from casedesk.sla.models import Agreement, Calendar, Policy

    calendars = {c.key: c.to_rules() for c in Calendar.objects.all()}
    for key, fallback in cal.default_calendars().items():
        calendars.setdefault(key, fallback)  # a database without the seeded rows still works
    default: dict[rules.Priority, rules.Policy] = dict(rules.DEFAULT_POLICIES)
    vendors: dict[str, dict[rules.Priority, rules.Policy]] = {}
    for row in Policy.objects.select_related("response_calendar", "update_calendar"):
        target = vendors.setdefault(row.vendor, {}) if row.vendor else default
        target[rules.Priority(row.priority)] = row.to_rules()
    organisations: dict[int, dict[rules.Priority, rules.Policy]] = {}
    for agreement in Agreement.objects.select_related("response_calendar", "update_calendar"):
        organisations.setdefault(agreement.organisation_id, {})[rules.Priority(agreement.priority)] = (
            agreement.to_rules()
        )
    return Config(rules.Policies(default=default, vendors=vendors, organisations=organisations), calendars)


def connect_signals() -> None:
    from casedesk.sla.models import Agreement, Calendar, Policy

    for model in (Calendar, Policy, Agreement):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"sla-config-{model.__name__}-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"sla-config-{model.__name__}-delete")
