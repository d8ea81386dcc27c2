"""The invoice run on the 27th, on the provider's calendar (the site's time zone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from casedesk.billing import run
from casedesk.billing.models import Run
from casedesk.core.sweeps import sweep
from casedesk.rules import invoicing

STALE = timedelta(minutes=30)  # a run unfinished this long ago died


@sweep("billing_invoice_run")
def invoice_run(now: datetime) -> dict[str, int] | None:
    """From the 27th on, once a finished run of the month exists nothing more is done; a
    run that died half-way is picked up by the next sweep."""
    period = invoicing.due_period(timezone.localtime(now).date())
    if period is None:
        return None
    runs = Run.objects.filter(period=str(period))
    # One run at a time: a run still going (started lately, not finished) is left to finish.
    if runs.filter(finished_at__isnull=False).exists() or runs.filter(started_at__gt=now - STALE).exists():
        return None
    summary = run.run(period, source="sweep", now=now)
    return {
        "organisations": summary.organisations,
        "finalized": summary.finalized,
        "failed": len(summary.failures),
    }
