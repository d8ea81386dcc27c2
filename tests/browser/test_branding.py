"""A rebiller's customer's portal under the rebiller's brand, and the rebiller's BillCenter
of its customers, in chromium at 1366 and 390 px: the brand's name, logo and colours, no
rule of the strict policy broken, nothing scrolling sideways."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from casedesk.accounts import partners
from casedesk.billing import actions
from tests.billing.helpers import items, person
from tests.branding.helpers import rebiller
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login
from tests.browser.test_csp import watch
from tests.factories import AdministratorFactory, OrganisationFactory, make_case, partner_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
HEADER = "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
LOGO_SHOWN = "(() => { const i = document.querySelector('.brand-logo'); return !!i && i.naturalWidth > 0 })()"


def snap(page, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        page.screenshot(path=str(ARTIFACTS / f"brand-{name}-{width}.png"), full_page=True)
        assert page.evaluate(NO_SIDEWAYS), f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1366, "height": 900})


@time_machine.travel(timezone.make_aware(datetime(2026, 12, 2, 10, 0)), tick=True)
def test_a_rebillers_customer_and_the_rebillers_billcenter(live_server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    brand_org, _ = rebiller("Skyline Voice")
    admin = AdministratorFactory()
    customers = []
    for name in ("Alpine Dental Group", "Boulder Legal LLP", "Cedar Street Bakery"):
        org = OrganisationFactory(name=name)
        partners.set_partner(admin, org, brand_org)
        items(org, 3)
        for period, month in (("2026-10", 10), ("2026-11", 11)):
            with time_machine.travel(timezone.make_aware(datetime(2026, month, 27, 6, 0)), tick=False):
                actions.issue(org, period)
        customers.append(org)
    mpoc = person(customers[0], "dana", is_primary_mpoc=True)
    make_case(by=mpoc, title="Desk phones reboot every hour")
    direct = person(OrganisationFactory(name="Direct Customer Inc"), "pat", is_primary_mpoc=True)
    staff_of_rebiller = partner_user(
        {customers[0]: "billing", customers[1]: "full", customers[2]: "cases"}, partner=brand_org
    )
    base, violations = live_server.url, []

    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    watch(page, violations)
    login(page, base, mpoc.email)
    page.goto(f"{base}/portal/")
    page.wait_for_load_state("networkidle")
    assert page.title().endswith("· Skyline Voice")
    assert "Skyline Voice" in page.inner_text("[data-testid=brand]")
    assert page.evaluate(LOGO_SHOWN)
    assert page.evaluate(HEADER) == "rgb(91, 42, 134)"  # #5b2a86
    snap(page, "customer-portal")
    page.goto(f"{base}/portal/cases/new/")
    page.wait_for_load_state("networkidle")
    snap(page, "customer-new-case")

    other = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    watch(other, violations)
    login(other, base, direct.email)
    other.goto(f"{base}/portal/")
    assert "Skyline" not in other.content() and other.evaluate(HEADER) == "rgb(18, 38, 63)"
    assert not other.evaluate(LOGO_SHOWN)

    rb = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    watch(rb, violations)
    login(rb, base, staff_of_rebiller.email)
    rb.click("text=Customers' bills")
    rb.wait_for_selector("[data-testid=rollup-invoices]")
    table = rb.inner_text("[data-testid=rollup-invoices]")
    assert "Alpine Dental Group" in table and "Boulder Legal LLP" in table
    # Cases only: no bills (the header's switcher still names every customer granted).
    assert "Cedar Street Bakery" not in rb.inner_text("main")
    snap(rb, "rollup")
    rb.click("[data-testid=rollup-invoices] tbody tr:first-child td a")
    rb.wait_for_selector("[data-testid=invoice]")
    assert "BillCenter: Alpine Dental Group" in rb.inner_text("h1")
    rb.wait_for_load_state("load")  # the brand's stylesheet too, not only the page's markup
    assert rb.evaluate(HEADER) == "rgb(91, 42, 134)"  # acting for a rebiller's customer: its brand
    snap(rb, "rollup-statement")
    rb.click("text=Customers' bills")  # the way back, while acting for one customer
    rb.wait_for_selector("[data-testid=rollup-invoices]")
    assert violations == []
