"""The invoice run as a Celery task, scheduled by beat on the 27th (`CELERY_BEAT_SCHEDULE`);
the sweep does the same where no beat runs, and whichever comes first does the work."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from casedesk.billing import sweeps
from casedesk.core import clock


@shared_task(name="casedesk.billing_invoice_run", ignore_result=True)
def invoice_run() -> Any:
    return sweeps.invoice_run(clock.now())
