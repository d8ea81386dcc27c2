"""Numbering on PostgreSQL: concurrent finalizations take consecutive numbers, no gap."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import connection

from casedesk.billing import actions
from casedesk.billing.models import CreditNote, Invoice, NumberSeries
from tests.billing.helpers import world
from tests.cases.test_concurrency import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_finalizations_get_twenty_consecutive_numbers():
    drafts = [actions.draft(world(lines=2).org, "2026-11") for _ in range(20)]
    connection.close()
    done = in_threads(20, lambda i: actions.finalize(drafts[i]))
    numbers = sorted(inv.number for inv in done)  # type: ignore[attr-defined]
    assert numbers == list(range(1, 21))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 21))
    assert NumberSeries.objects.get(key="invoice").next_number == 21


def test_concurrent_finalizations_of_one_draft_finalize_it_once():
    draft = actions.draft(world().org, "2026-11")
    connection.close()
    outcomes = in_threads(5, lambda i: _try(lambda: actions.finalize(draft)))
    assert sum(isinstance(o, Invoice) for o in outcomes) == 1
    assert all("already finalized" in str(o) for o in outcomes if not isinstance(o, Invoice))
    assert NumberSeries.objects.get(key="invoice").next_number == 2


def test_concurrent_credit_notes_never_exceed_the_invoice():
    w = world(lines=1)
    invoice = actions.issue(w.org, "2026-11")
    part = (invoice.total / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    connection.close()
    in_threads(
        6, lambda i: _try(lambda: actions.credit_note(invoice, by=w.billing, amount=part, reason="Split"))
    )
    assert sum(n.amount for n in CreditNote.objects.all()) <= invoice.total
    assert CreditNote.objects.count() == 2
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [1, 2]


def _try(work):
    try:
        return work()
    except Exception as exc:
        return exc
