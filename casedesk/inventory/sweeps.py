"""Scheduled inventory changes, applied on their effective day (one indexed range scan over
`ChangeBatch.due_at` for what is due)."""

from __future__ import annotations

from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.inventory import actions


@sweep("inventory_scheduled")
def apply_scheduled(now: datetime) -> dict[str, int]:
    return actions.apply_due(now)
