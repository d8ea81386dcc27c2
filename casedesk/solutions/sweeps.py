"""The Solutions Center's sweep: deflections decided 30 minutes after an opened suggestion."""

from __future__ import annotations

from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.solutions import actions


@sweep("deflections")
def sweep_deflections(now: datetime) -> int:
    return actions.decide_deflections(now)
