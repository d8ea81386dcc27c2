"""Attachment downloads: only to people who may see the case, never rendered inline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest

from casedesk.cases import selectors
from casedesk.core.errors import NotFound


@login_required
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_for(request.user, attachment_id)
    if attachment.purged_at is not None or not attachment.file:
        raise NotFound("This attachment's file was removed under the retention rule for closed cases.")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
