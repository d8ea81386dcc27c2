"""A rebiller's (or partner's) BillCenter: every customer whose bills its person may see,
totals per customer and per period, a CSV, links into each statement; nothing else."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casedesk.billing import actions
from tests.billing.helpers import items
from tests.factories import OrganisationFactory, aware, customer, partner_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(2026, 12, 2, 9, 0), tick=False):
        yield


def billed(name: str = "", periods: tuple[str, ...] = ("2026-10", "2026-11"), lines: int = 2):
    org = OrganisationFactory(**({"name": name} if name else {}))
    items(org, lines)
    return org, [actions.issue(org, p) for p in periods]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_rollup_lists_the_customers_whose_bills_the_person_sees_by_period_with_totals():
    (a, a_inv), (b, b_inv), (c, c_inv) = billed("Alpha Dental"), billed("Beta Law"), billed("Gamma Cases")
    user = partner_user({a: "billing", b: "full", c: "cases"}, kind="rebiller")
    client = signed_in(user)
    home = client.get(reverse("portal:cases")).content.decode()
    assert reverse("portal:billing_customers") in home
    page = client.get(reverse("portal:billing_customers"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Invoices of 2026-11" in html
    for inv in (a_inv[1], b_inv[1]):
        assert inv.reference in html and reverse("portal:billing_invoice", args=[inv.pk]) in html
    # The header's switcher names every customer granted; the roll-up only those billed.
    main = html[html.index("<main") :]
    assert "Gamma Cases" not in main and c_inv[1].reference not in html
    assert a_inv[0].reference not in html  # October's are on October's tab
    both = a_inv[1].total + b_inv[1].total
    assert f"USD {both}" in html  # November's total over both customers
    assert f"USD {a_inv[0].total + a_inv[1].total}" in html  # Alpha's 12 months
    october = client.get(reverse("portal:billing_customers"), {"period": "2026-10"}).content.decode()
    assert a_inv[0].reference in october and a_inv[1].reference not in october


def test_the_rollup_csv_has_every_invoice_of_those_customers_and_defuses_formulas():
    (a, a_inv), (c, c_inv) = billed('=HYPERLINK("http://evil")'), billed("Gamma Cases")
    user = partner_user({a: "billing", c: "cases"}, kind="rebiller")
    response = signed_in(user).get(reverse("portal:billing_customers_csv"))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-invoices-')
    body = b"".join(response.streaming_content).decode()
    rows = body.strip().splitlines()
    assert rows[0].lstrip("\ufeff").startswith("customer,account_number,period,invoice")
    assert len(rows) == 3 and all(inv.reference in body for inv in a_inv)
    assert c_inv[0].reference not in body and "'=HYPERLINK" in body


def test_a_statement_opened_from_the_rollup_is_seen_acting_for_its_customer():
    (a, a_inv), (b, _) = billed("Alpha Dental"), billed("Beta Law")
    user = partner_user({a: "billing", b: "billing"}, kind="rebiller")
    page = signed_in(user).get(reverse("portal:billing_invoice", args=[a_inv[1].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "BillCenter: Alpha Dental" in html and a_inv[0].reference in html  # its own statements


def test_those_without_billing_access_to_customers_are_refused_and_others_invoices_are_404():
    (a, _), (_, other_inv) = billed(), billed()
    cases_only = partner_user({a: "cases"})
    page = signed_in(cases_only).get(reverse("portal:billing_customers"))
    assert page.status_code == 403 and "billing access" in page.content.decode()
    assert signed_in(customer(a)).get(reverse("portal:billing_customers")).status_code == 403
    assert signed_in(cases_only).get(reverse("portal:billing_customers_csv")).status_code == 403
    biller = partner_user({a: "billing"})
    for name in ("portal:billing_invoice", "portal:billing_pdf", "portal:billing_csv"):
        assert signed_in(biller).get(reverse(name, args=[other_inv[0].pk])).status_code == 404


def test_the_rollup_costs_the_same_queries_for_two_customers_or_eight():
    counts = []
    for n in (2, 8):
        orgs = [billed(lines=1)[0] for _ in range(n)]
        client = signed_in(partner_user(dict.fromkeys(orgs, "billing"), kind="rebiller"))
        client.get(reverse("portal:billing_customers"))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portal:billing_customers")).status_code == 200
        counts.append(len(captured))
    print("rollup queries", counts)
    assert counts[0] == counts[1] and counts[0] <= 16, counts
