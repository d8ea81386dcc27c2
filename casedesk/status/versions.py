"""Which rendering of the public pages is current: one StatusVersion row, bumped by every
change a public page shows. The writes here mark the pages stale; the pages read it."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from casedesk.status.models import StatusVersion

_seen: dict[str, float | str] = {"stamp": "", "at": 0.0}


def changed() -> None:
    """Mark every public page stale (in the caller's transaction)."""
    with transaction.atomic():
        updated = StatusVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=uuid.uuid4().hex)
        if not updated:
            try:
                with transaction.atomic():
                    StatusVersion.objects.create(pk=1)
            except IntegrityError:
                StatusVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=uuid.uuid4().hex)
    transaction.on_commit(forget)


def forget() -> None:
    """Read the version afresh on the next request, not the one this process remembers."""
    _seen["at"] = 0.0


def current_stamp() -> str:
    """The current version's stamp, read at most once per CASEDESK_STATUS_RECHECK_SECONDS."""
    recheck = float(getattr(settings, "CASEDESK_STATUS_RECHECK_SECONDS", 1.0))
    now = time.monotonic()
    if now - float(_seen["at"]) < recheck and _seen["stamp"]:
        return str(_seen["stamp"])
    row = StatusVersion.objects.filter(pk=1).values_list("stamp", flat=True).first()
    if row is None:
        changed()
        row = StatusVersion.objects.values_list("stamp", flat=True).get(pk=1)
    _seen.update(stamp=row, at=now)
    return row
