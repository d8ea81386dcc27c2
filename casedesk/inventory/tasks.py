"""Background work of CSV imports, through the project's task mechanism: Celery when a
broker is configured, in-process otherwise (`CELERY_TASK_ALWAYS_EAGER`)."""

from __future__ import annotations

from celery import shared_task

from casedesk.inventory import imports


@shared_task(name="casedesk.inventory_preview_import", ignore_result=True)
def preview_import(job_id: int) -> None:
    imports.run_preview(job_id)


@shared_task(name="casedesk.inventory_apply_import", ignore_result=True)
def apply_import(job_id: int) -> None:
    imports.run_apply(job_id)
