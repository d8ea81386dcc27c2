"""The reports' sweep: the summaries catch up with the history written since its last run."""

from __future__ import annotations

from datetime import datetime, timedelta

from casedesk.core.sweeps import sweep
from casedesk.reporting import mail, upkeep

# Entries younger than this wait for the next run: a transaction numbered lower may still
# be committing.
SETTLE = timedelta(seconds=30)


@sweep("reports")
def sweep_reports(now: datetime) -> int:
    return upkeep.advance(until=now - SETTLE)


@sweep("scheduled_reports")
def scheduled_reports(now: datetime) -> int:
    return mail.send_due(now)
