from typing import Any

from celery import shared_task

from casedesk.core import sweeps


@shared_task(name="casedesk.run_sweeps", ignore_result=True)
def run_sweeps() -> dict[str, Any]:
    return sweeps.run_all()
