"""Rows to deliver, taken under a lease and retried with backoff: the one loop behind
e-mail delivery and webhooks.

A queue's rows carry `state` (pending, sent, failed), `attempts`, `next_attempt_at`,
`locked_until` and `last_error`. `claim` takes the due rows (`SELECT ... FOR UPDATE SKIP
LOCKED` on PostgreSQL) and leases them in one short transaction, so several workers share
the work and a worker that dies leaves its rows to be taken again once the lease runs out.
Each row is then settled on its own: `done`, or `retry` until the last attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import connection, models, transaction

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes between tries, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Queue:
    model: type[models.Model]
    lease: timedelta
    max_attempts: int
    _statements: dict[tuple[str, ...], str] = field(default_factory=dict, compare=False, repr=False)

    def claim(self, now: datetime, limit: int, *, related: Sequence[str] = ()) -> list[Any]:
        """The due rows, oldest first, leased to the caller until `now + lease`."""
        manager: Any = self.model._default_manager
        with transaction.atomic():
            rows = manager.select_for_update(skip_locked=True)
            if related:
                rows = rows.select_related(*related)
            taken = list(
                rows.filter(state=PENDING, next_attempt_at__lte=now)
                .exclude(locked_until__gt=now)
                .order_by("next_attempt_at", "id")[:limit]
            )
            manager.filter(pk__in=[row.pk for row in taken]).update(locked_until=now + self.lease)
        return taken

    def done(self, row: Any, **columns: Any) -> None:
        """Mark a row delivered, with any further columns (`sent_at`). One prepared
        statement in its own transaction: at fan-out rates the ORM's query building would
        cost more than the update, and a delivery already made must not roll back."""
        names = tuple(sorted(columns))
        sql = self._statements.get(names)
        if sql is None:
            sql = self._statements[names] = self._done_sql(names)
        params = [SENT, row.attempts + 1]
        params += [self._field(name).get_db_prep_save(columns[name], connection) for name in names]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, row.pk])

    def done_many(self, rows: Sequence[Any], **columns: Any) -> None:
        """Mark rows delivered together, with the same further columns: one UPDATE in its
        own transaction, for a batch sent over several connections at once."""
        self.model._default_manager.filter(pk__in=[row.pk for row in rows]).update(
            state=SENT, attempts=models.F("attempts") + 1, locked_until=None, last_error="", **columns
        )

    def _field(self, name: str) -> models.Field[Any, Any]:
        return cast("models.Field[Any, Any]", self.model._meta.get_field(name))

    def _done_sql(self, names: tuple[str, ...]) -> str:
        quote = connection.ops.quote_name
        extra = "".join(f", {quote(self._field(name).column)} = %s" for name in names)
        return (
            f"UPDATE {quote(self.model._meta.db_table)} SET state = %s, attempts = %s{extra}, "  # noqa: S608 - our names
            "locked_until = NULL, last_error = '' WHERE id = %s"
        )

    def give_up(self, row: Any, why: str) -> None:
        """A row that must not be tried at all: failed at once, with the reason."""
        self.model._default_manager.filter(pk=row.pk).update(
            state=FAILED, locked_until=None, last_error=why[:2000]
        )

    def retry(self, row: Any, now: datetime, exc: Exception, what: str) -> str:
        """A failed try: the row is due again after `backoff`, or given up after the last
        attempt. Returns "retry" or "failed". `what` names the row in the log."""
        attempts = row.attempts + 1
        gave_up = attempts >= self.max_attempts
        log.warning("%s failed (try %d): %s", what, attempts, exc)
        self.model._default_manager.filter(pk=row.pk).update(
            attempts=attempts,
            state=FAILED if gave_up else PENDING,
            next_attempt_at=now + backoff(attempts),
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return FAILED if gave_up else "retry"
