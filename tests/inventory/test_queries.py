"""The inventory page runs a fixed number of queries whatever the inventory's size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casedesk.inventory import actions
from casedesk.rules.inventory import Change
from tests.inventory.helpers import org_with_mpoc

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12


def numbers(start: int, count: int) -> list[Change]:
    return [
        Change("number", "add", values={"number": f"+1303555{n:04d}", "service_address": "1 Main St"})
        for n in range(start, start + count)
    ]


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_inventory_page_costs_the_same_at_any_size():
    org, mpoc = org_with_mpoc()
    client = Client()
    client.force_login(mpoc)
    actions.apply_changes(mpoc, org, numbers(100, 5))
    small = [queries(client, url) for url in ("/portal/inventory/", "/portal/inventory/?kind=number&page=1")]
    actions.apply_changes(mpoc, org, numbers(1000, 160))
    large = [queries(client, url) for url in ("/portal/inventory/", "/portal/inventory/?kind=number&page=1")]
    deep = queries(client, "/portal/inventory/?page=3")
    assert small == large
    assert max(large) <= MAX_QUERIES and deep <= max(large)


def test_the_page_reads_the_items_in_the_unique_indexs_order_without_a_join():
    """Ordering by the foreign key itself, not by the organisation (whose own ordering by
    name would join it and sort every item of the organisation for each page)."""
    org, mpoc = org_with_mpoc()
    client = Client()
    client.force_login(mpoc)
    actions.apply_changes(mpoc, org, numbers(100, 5))
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/portal/inventory/?page=1").status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "inventory_item"')]
    assert reads and all("accounts_organisation" not in sql for sql in reads), reads
