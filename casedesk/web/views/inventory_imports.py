"""Bulk changes by CSV: upload, a background preview with a progress bar (static JS polls
the progress URL), the rows that will change and those that cannot, confirm or cancel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casedesk.core.errors import NotFound, Refused
from casedesk.inventory import imports, jobs, selectors
from casedesk.inventory.models import ImportJob
from casedesk.web.views.common import AuthedRequest, customer_required, staff_required
from casedesk.web.views.inventory import _common, _org, base_url
from casedesk.web.views.listing import page_number

ROWS_SHOWN = 50
RUNNING = {ImportJob.Status.QUEUED, ImportJob.Status.PREVIEWING, ImportJob.Status.APPLYING}


def _job(request: AuthedRequest, job_id: int, org_id: int | None) -> ImportJob:
    org = _org(request, org_id)
    job = jobs.get_job(request.user, job_id)
    if job.organisation_id != org.pk:
        raise NotFound("No such import.")
    return job


@require_POST
def upload(request: AuthedRequest, org_id: int | None = None) -> HttpResponse:
    org = _org(request, org_id)
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, "Choose the CSV file to import.")
        return redirect(base_url(org_id))
    try:
        job = jobs.start_import(
            request.user,
            org,
            file,
            source="portal" if org_id is None else "console",
            delete_missing=request.POST.get("delete_missing") == "1",
        )
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect(base_url(org_id))
    return redirect(f"{base_url(org_id)}imports/{job.pk}/")


def job_page(request: AuthedRequest, job_id: int, org_id: int | None = None) -> HttpResponse:
    job = _job(request, job_id, org_id)
    errors_only = request.GET.get("show") != "changes"
    number = page_number(request)
    rows: list = []
    has_next = False
    if job.status in (ImportJob.Status.PREVIEWED, ImportJob.Status.APPLIED, ImportJob.Status.FAILED):
        rows, has_next = selectors.import_rows(
            job, errors_only=errors_only and job.errors > 0, page=number, size=ROWS_SHOWN
        )
    context = {
        **_common(request, job.organisation, org_id),
        "job": job,
        "running": job.status in RUNNING,
        "rows": rows,
        "has_next": has_next,
        "page": number,
        "errors_only": errors_only and job.errors > 0,
        "why_not": imports.confirmable(job),
        "counts": [(op, job.counts.get(op, 0)) for op in ("add", "move", "change", "delete", "unchanged")],
    }
    return render(request, "web/inventory/import.html", context)


def progress(request: AuthedRequest, job_id: int, org_id: int | None = None) -> JsonResponse:
    job = _job(request, job_id, org_id)
    running = job.status in RUNNING
    done, total, percent = job.done, job.total, 100 if not running else job.percent
    text = f"{done:,} of {total:,} rows" if running else f"{total:,} rows read"
    if job.status == ImportJob.Status.APPLYING:
        # The apply is one transaction: its count is in the shared cache, not in the row.
        applied = imports.applied_so_far(job)
        if applied is not None:
            done, total = applied
            percent = min(99, int(done * 100 / total)) if total else 0
            text = f"{done:,} of {total:,} changes applied"
        else:
            text = "Applying the changes"
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "done": done,
            "total": total,
            "percent": percent,
            "running": running,
            "text": text,
        }
    )


@require_POST
def confirm(request: AuthedRequest, job_id: int, org_id: int | None = None) -> HttpResponse:
    job = _job(request, job_id, org_id)
    try:
        jobs.confirm_import(request.user, job)
    except Refused as exc:
        messages.error(request, str(exc))
    return redirect(f"{base_url(org_id)}imports/{job.pk}/")


@require_POST
def cancel(request: AuthedRequest, job_id: int, org_id: int | None = None) -> HttpResponse:
    job = _job(request, job_id, org_id)
    try:
        jobs.cancel_import(request.user, job)
        messages.success(request, "The import is cancelled; nothing was changed.")
    except Refused as exc:
        messages.error(request, str(exc))
    return redirect(base_url(org_id))


portal_upload = customer_required(upload)
portal_job = customer_required(job_page)
portal_progress = customer_required(progress)
portal_confirm = customer_required(confirm)
portal_import_cancel = customer_required(cancel)
console_upload = staff_required(upload)
console_job = staff_required(job_page)
console_progress = staff_required(progress)
console_confirm = staff_required(confirm)
console_import_cancel = staff_required(cancel)
