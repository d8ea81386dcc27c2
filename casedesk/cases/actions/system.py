"""What the sweeps need of cases besides status moves: due cases locked together, their
clocks stored, the customer warned before a no-response closure, a closure that cannot
happen given up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from casedesk.cases import clocks, notices
from casedesk.cases.actions import base
from casedesk.cases.models import Attachment, Case, CaseEvent
from casedesk.core import bulk
from casedesk.core.uploads import remove_after_commit
from casedesk.rules.lifecycle import CLOSED_STATUSES, Actor


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


def warn_no_response(locked: Sequence[Case], now: datetime) -> list[Case]:
    """Tell the customer of each (locked) case whose warning is due that it closes for no
    response a business day from now unless they answer: a public entry on the timeline
    with its notice, one statement each for the entries, the rows and the notices. The
    closure then waits a full business day after the warning (`rules.closing`)."""
    closes = clocks.closing_if_warned(locked, now)
    warned = [case for case in locked if case.pk in closes]
    if not warned:
        return []
    events = []
    for case in warned:
        at = timezone.localtime(closes[case.pk])
        when = f"{at:%A} {at.day} {at:%B %Y, %H:%M %Z}"
        events.append(
            base.event(
                case,
                None,
                Actor.SYSTEM,
                CaseEvent.Kind.CHANGE,
                body=f"We will close {case.number} on {when} unless we hear from you.",
                changes={clocks.CLOSE_WARNING: [None, closes[case.pk].isoformat()]},
                at=now,
            )
        )
    bulk.insert(events)
    bulk.update_rows(Case, clocks.refresh_many(warned, now).items())
    notices.case_events([(event, None) for event in events])
    return warned


def purge_attachments(now: datetime, *, closed_before: datetime, days: int, limit: int = 200) -> int:
    """Remove the files of closed cases' attachments once the case has been closed since
    `closed_before` (the retention rule: `days` after closure); at most `limit` files a
    call. Each case is locked and checked again (a reopened case keeps its files), its
    attachment rows stay (name, size, digest: the record that they existed) and an internal
    timeline entry says what was removed; the files go once the transaction has committed."""
    closed = [status.value for status in CLOSED_STATUSES]
    pks = list(
        Attachment.objects.filter(
            purged_at__isnull=True, case__status__in=closed, case__closed_at__lte=closed_before
        )
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()[:limit]
    )
    storage = default_storage
    done = 0
    for pk in pks:
        with transaction.atomic():
            case = base.lock(Case(pk=pk))
            if case.status not in closed or case.closed_at is None or case.closed_at > closed_before:
                continue
            due = list(case.attachments.filter(purged_at__isnull=True).order_by("pk")[: limit - done])
            if not due:
                continue
            files = [a.file.name for a in due if a.file]
            Attachment.objects.filter(pk__in=[a.pk for a in due]).update(file="", purged_at=now)
            names = ", ".join(a.name for a in due)
            base.record(
                case,
                None,
                Actor.SYSTEM,
                CaseEvent.Kind.CHANGE,
                public=False,
                body=f"{len(due)} attachment file(s) removed under the retention rule "
                f"({days} days after closure): {names}",
                at=now,
            )
            remove_after_commit(storage, files)
            done += len(due)
        if done >= limit:
            break
    return done


def forget_acting_users(contact_ids: Sequence[int], user_ids: Sequence[int]) -> None:
    """An erasure's part in cases: what these delegates wrote no longer names the partner's
    users who wrote it (the delegate, anonymised, stays as who acted). In the caller's
    transaction."""
    if not contact_ids or not user_ids:
        return
    CaseEvent.objects.filter(contact_id__in=contact_ids, actor_id__in=user_ids).update(actor=None)
    Case.objects.filter(contact_id__in=contact_ids, created_by_id__in=user_ids).update(created_by=None)
