"""A manager opens the SLA trend, narrows it to one platform and downloads its CSV; the
chart stays visible on a phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from casedesk.cases import actions
from casedesk.escalation import sweeps as sla_sweeps
from casedesk.reporting import upkeep
from tests.browser.test_case_flow import login
from tests.factories import (
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history():
    team = TeamFactory(name="Cloud")
    voice, teams = (
        PlatformFactory(name="Hosted voice", team=team),
        PlatformFactory(name="Teams calling", team=team),
    )
    client = customer(OrganisationFactory(name="Acme Dental", platforms=[voice, teams]))
    tech = StaffFactory(first_name="Tess", last_name="Tech")
    start = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0) - timedelta(days=12)
    for day in range(12):
        at = start + timedelta(days=day)
        with time_machine.travel(at, tick=False):
            cases = [make_case(by=client, platform=[voice, teams][n % 2]) for n in range(2 + day % 3)]
            for case in cases:
                actions.disposition(
                    case, by=tech, priority=["P1", "P2", "P3"][day % 3], team=team, assignee=tech
                )
        for n, case in enumerate(cases):
            with time_machine.travel(at + timedelta(minutes=5 + 20 * n + day), tick=False):
                actions.add_comment(case, by=tech, body="On it")
        with time_machine.travel(at + timedelta(hours=3), tick=False):
            sla_sweeps.sla_alerts(at + timedelta(hours=3))
    upkeep.advance()
    return voice, client


def test_a_manager_filters_the_sla_trend_by_platform_and_downloads_it(live_server, browser, shot):
    voice, _ = _history()
    manager = ManagerFactory(first_name="Mona", last_name="Manager")
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        page = context.new_page()
        login(page, live_server.url, manager.email)
        page.goto(f"{live_server.url}/console/reports/")
        page.click("text=SLA attainment")
        chart = page.locator("svg.report-chart:visible")
        assert chart.count() == 1
        box = chart.bounding_box()
        assert box["width"] <= width and box["height"] > 100
        page.select_option("select[name=platform]", str(voice.pk))
        with page.expect_navigation():
            page.click("form.report-filters button[type=submit]")
        assert f"platform={voice.pk}" in page.url
        assert page.locator("select[name=platform]").input_value() == str(voice.pk)
        assert page.locator("svg.report-chart:visible polyline").count() == 2
        shot(page, f"reports-attainment-{width}")
        with page.expect_download() as download:
            page.click("#csv-link")
        body = Path(download.value.path()).read_text(encoding="utf-8")
        assert body.startswith("Per day") and "First responses" in body
        context.close()


def test_every_report_and_the_portals_page_read_on_a_desktop_and_a_phone(live_server, browser, shot):
    _, client = _history()
    manager = ManagerFactory(first_name="Mona", last_name="Manager")
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        login(page, live_server.url, manager.email)
        for slug in ("backlog", "volume", "agents", "incidents", "satisfaction"):
            page.goto(f"{live_server.url}/console/reports/{slug}/")
            if slug == "satisfaction":
                assert page.get_by_text("No ratings yet").first.is_visible()
            else:
                chart = page.locator("svg.report-chart:visible").first
                assert chart.is_visible() and chart.bounding_box()["width"] <= width
            shot(page, f"reports-{slug}-{width}")
        context.close()
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        login(page, live_server.url, client.email)
        page.goto(f"{live_server.url}/portal/reports/")
        assert page.locator("svg.report-chart:visible").count() == 1
        assert page.locator("#organisation-months").is_visible()
        shot(page, f"reports-portal-{width}")
        context.close()
