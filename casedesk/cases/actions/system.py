"""What the sweeps need of cases besides status moves: due cases locked together, their
clocks stored, a no-response closure that cannot happen given up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from casedesk.cases import clocks
from casedesk.cases.models import Case
from casedesk.core import bulk


def lock_due(pks: Sequence[int]) -> list[Case]:
    """The cases still there, locked in key order (in the caller's transaction), with what
    their notices need."""
    return list(
        Case.objects.select_for_update(of=("self",))
        .select_related("assignee", "team__manager", "organisation", "contact")
        .filter(pk__in=pks)
        .order_by("pk")
    )


def refresh_clocks(locked: Sequence[Case], now: datetime) -> None:
    """Replay the locked cases' clocks and store what changed, one statement per set of columns."""
    bulk.update_rows(Case, clocks.refresh_many(locked, now).items())


def stop_auto_close(case: Case) -> None:
    """A case that waits on the customer but may not close (its status forbids it) is no
    longer due for the no-response closure."""
    Case.objects.filter(pk=case.pk).update(auto_close_at=None)
    case.auto_close_at = None
