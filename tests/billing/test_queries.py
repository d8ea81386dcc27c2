"""Query counts: BillCenter and an organisation's part of the run cost the same whatever the
number of lines."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casedesk.billing import actions, drafts, run
from casedesk.rules.invoicing import Period
from tests.billing.helpers import world
from tests.factories import aware

pytestmark = pytest.mark.django_db


def count(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


@time_machine.travel(aware(2026, 11, 27, 9, 0), tick=False)
def test_billcenter_queries_do_not_grow_with_lines():
    small, large = world(lines=3), world(lines=40)
    counts = []
    for w in (small, large):
        actions.issue(w.org, "2026-11")
        client = Client()
        client.force_login(w.fin)
        client.get(reverse("portal:billing"))  # warm the session
        counts.append(count(lambda c=client: c.get(reverse("portal:billing"))))
    assert counts[0] == counts[1] and counts[0] <= 20, counts


@time_machine.travel(aware(2026, 11, 27, 9, 0), tick=False)
def test_the_run_costs_the_same_queries_per_organisation_whatever_its_lines():
    # 40: one insert of the lines on SQLite too (its statements take at most 999 parameters).
    small, large = world(lines=2), world(lines=40)
    tax = drafts.taxes()
    period = Period.parse("2026-11")
    now = aware(2026, 11, 27, 9, 0)
    counts = [count(lambda w=w: run.invoice_one(w.org.pk, period, now, tax)) for w in (small, large)]
    assert counts[0] == counts[1] and counts[0] <= 32, counts
