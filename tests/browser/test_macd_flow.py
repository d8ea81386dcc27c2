"""A MACD request in a real browser: an MPOC raises it (seeing the estimated fee first), a
second MPOC approves by the link e-mailed to them (read from the outbox), a technician logs
16 minutes and completes it, and the customer sees $50.00. Screenshots at 1366 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from casedesk.cases.models import Case
from casedesk.macd.models import OrganisationSettings
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login
from tests.macd.helpers import approval_links, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDTHS = {"laptop": 1366, "phone": 390}


def _both(page, name: str) -> None:
    """The page at each width, saved; nothing scrolls sideways on either."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        assert page.evaluate(NO_SIDEWAYS), f"{name} scrolls sideways at {width} px"
        page.screenshot(path=str(ARTIFACTS / f"macd-{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_raise_approve_by_link_log_time_and_see_the_fee(live_server, browser, settings):
    settings.CASEDESK_BASE_URL = live_server.url
    w = world(rule="all")  # Dana raises it (her approval); Sam must approve too
    OrganisationSettings.objects.filter(organisation=w.org).update(approval_rule="all")
    w.dana.set_password("pass-word-123")
    w.dana.save()
    w.tech.first_name, w.tech.last_name = "Theo", "Tran"
    w.tech.save()
    base = live_server.url

    dana = browser.new_context().new_page()
    login(dana, base, w.dana.email)
    dana.click("text=New MACD request")
    dana.fill("input[name=title]", "New hire: Pat Doe")
    dana.select_option("select[name=type_0]", "seat:add")
    dana.fill("input[name=details_0]", "Pat Doe, pat@acme.example.com, extension 2101")
    dana.select_option("select[name=type_1]", "number:add")
    dana.fill("input[name=details_1]", "A direct number for Pat in Denver")
    dana.click("button:has-text('See the estimated fee')")
    estimate = dana.get_by_test_id("estimate").inner_text()
    assert "Estimated fee: $75.00" in estimate  # 20 + 15 typical minutes, billed as 45
    assert dana.get_by_test_id("self-service").count() == 2  # an MPOC may make them herself
    _both(dana, "01-portal-estimate")
    dana.click("button:has-text('Submit the request')")
    number = re.search(r"CS-\d{6}", dana.locator(".msg.success").inner_text()).group(0)
    assert dana.get_by_test_id("macd-approval").inner_text() == "Awaiting approval"
    _both(dana, "02-portal-awaiting-approval")

    # Sam approves through the link of the e-mail the outbox holds (no login needed).
    link = approval_links(f"sam@{w.org.account_number.lower()}.example.com")["approve"]
    sam = browser.new_context().new_page()
    sam.goto(link)
    assert Case.objects.get(pk=int(number[3:])).approval == "pending"  # opening it changed nothing
    _both(sam, "03-approval-link")
    sam.click("button:has-text('Approve')")
    assert "now approved" in sam.get_by_test_id("decided").inner_text()

    tech = browser.new_context().new_page()
    login(tech, base, w.tech.email)
    tech.goto(f"{base}/console/cases/{number}/")
    tech.fill("#macd-time input[name=minutes]", "16")
    tech.fill("#macd-time input[name=note]", "Created the seat and assigned the number")
    tech.click("#macd-time button:has-text('Log time')")
    assert "16 min" in tech.get_by_test_id("macd-time").inner_text()
    tech.select_option("#transition select[name=to]", "resolved_follow_up")
    tech.fill("#transition textarea[name=note]", "Pat's seat and number are ready.")
    tech.click("#transition button:has-text('Change status')")
    assert tech.get_by_test_id("status").inner_text() == "Resolved Follow-up Required"
    _both(tech, "04-console-request")

    # The customer's page updates by itself (live panel) and reads $50.00.
    expect(dana.get_by_test_id("macd-fee")).to_have_text("$50.00", timeout=15000)
    dana.reload()
    assert dana.get_by_test_id("macd-fee").inner_text() == "$50.00"
    assert dana.get_by_test_id("status").inner_text() == "Resolved Follow-up Required"
    _both(dana, "05-portal-fee")
