"""The console's reports: managers and administrators only, each with a chart, a table and
its CSV; filters from the query string are checked, never trusted."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from casedesk.reporting.tables import REPORTS
from tests.factories import AdministratorFactory, ManagerFactory, StaffFactory, customer
from tests.reporting.test_figures import desk, mt  # noqa: F401 - the hand-built history

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at_two(client: Client, url: str, **params):
    with time_machine.travel(mt(2026, 11, 24, 14, 0), tick=False):
        return client.get(url, {"start": "2026-11-24", "end": "2026-11-24", **params})


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_draws_a_chart_and_a_table_and_exports_csv(desk, slug):  # noqa: F811
    manager = logged_in(ManagerFactory())
    page = at_two(manager, f"/console/reports/{slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<table" in html
    if slug != "satisfaction":
        assert "<svg" in html and "<title>" in html
    else:
        assert "No ratings in this range" in html
    export = at_two(manager, f"/console/reports/{slug}/", format="csv")
    assert export["Content-Disposition"].startswith("attachment;")
    assert export["X-Content-Type-Options"] == "nosniff"


def test_the_attainment_csv_has_the_day(desk):  # noqa: F811
    export = at_two(logged_in(AdministratorFactory()), "/console/reports/attainment/", format="csv")
    lines = export.content.decode().splitlines()
    assert "2026-11-24,3,2,1,33.3%,1,1,0.0%" in lines
    assert any(line.startswith("P1,") and line.endswith(",2,≤ 10 min,≤ 45 min") for line in lines)


def test_a_platform_filter_narrows_the_figures(desk):  # noqa: F811
    manager = logged_in(ManagerFactory())
    page = at_two(manager, "/console/reports/volume/", platform=str(desk["platform"].pk)).content.decode()
    assert "Hosted voice" in page and "Acme Dental" in page
    page = at_two(
        manager, "/console/reports/volume/", platform="999999", priority="nonsense"
    ).content.decode()
    assert "Acme Dental" not in page


def test_others_are_refused():
    assert logged_in(StaffFactory()).get("/console/reports/attainment/").status_code == 403
    assert logged_in(customer()).get("/console/reports/attainment/").status_code in (403, 404)
    assert Client().get("/console/reports/").status_code in (302, 403, 404)
