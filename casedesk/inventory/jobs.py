"""Starting, confirming and cancelling CSV imports; the work runs as background tasks."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Organisation
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.inventory import access, actions, csvio, imports, tasks
from casedesk.inventory.models import ImportJob

FOLDER = "inventory-imports"


def start_import(
    actor: Any, organisation: Organisation, upload: Any, *, source: str, delete_missing: bool = False
) -> ImportJob:
    """Store the uploaded CSV (streamed to disk) and queue its preview."""
    access.require_manage(actor, organisation)
    size = getattr(upload, "size", None)
    if size is not None and size > csvio.MAX_BYTES:
        raise Refused(f"The file is larger than {csvio.MAX_BYTES // (1024 * 1024)} MB.")
    if size == 0:
        raise Refused("The file is empty.")
    name = f"{FOLDER}/{uuid.uuid4().hex}.csv"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with target.open("wb") as out:
        for piece in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
            written += len(piece)
            if written > csvio.MAX_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise Refused(f"The file is larger than {csvio.MAX_BYTES // (1024 * 1024)} MB.")
            out.write(piece)
    with transaction.atomic():
        job = ImportJob.objects.create(
            organisation=organisation,
            by=permissions.user_of(actor),
            source=source[:20],
            file=name,
            file_name=str(getattr(upload, "name", "") or "inventory.csv")[:200],
            effective=actions.today(),
            counts={"delete_missing": bool(delete_missing)},
            created_at=clock.now(),
        )
        transaction.on_commit(lambda: tasks.preview_import.delay(job.pk))
    return job


def get_job(actor: Any, job_id: int) -> ImportJob:
    """The import, for someone who may see its organisation's inventory; NotFound otherwise."""
    job = ImportJob.objects.select_related("organisation").filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such import.")
    access.require_view(actor, job.organisation)
    return job


def confirm_import(actor: Any, job: ImportJob) -> ImportJob:
    access.require_manage(actor, job.organisation)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        why = imports.confirmable(locked)
        if why:
            raise Refused(why)
        locked.status = ImportJob.Status.APPLYING
        locked.by = permissions.user_of(actor) or locked.by
        locked.done = 0
        locked.save(update_fields=["status", "by", "done"])
        transaction.on_commit(lambda: tasks.apply_import.delay(locked.pk))
    return locked


def cancel_import(actor: Any, job: ImportJob) -> ImportJob:
    access.require_manage(actor, job.organisation)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.QUEUED):
            raise Refused(f"This import is {locked.get_status_display().lower()} and cannot be cancelled.")
        locked.status = ImportJob.Status.CANCELLED
        locked.save(update_fields=["status"])
    return locked
