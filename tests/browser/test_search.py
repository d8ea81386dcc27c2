"""Search in a real browser: an agent finds a closed case by a word of a comment and by
part of its number from the box in the top bar; a customer searches the portal; at
desktop and phone widths."""

from __future__ import annotations

import pytest

from casedesk.cases import actions
from tests.browser.test_case_flow import login
from tests.factories import OrganisationFactory, StaffFactory, customer
from tests.search.test_search import _next_case_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _search(page, text: str) -> None:
    """Type into the top bar's box, or on the results page into its own form."""
    header = page.locator("header form[role=search] input[name=q]")
    box = header if header.count() else page.locator("main form input[name=q]")
    box.fill(text)
    box.press("Enter")
    page.wait_for_load_state()


def test_agent_and_customer_search(live_server, browser, shot):
    acme = OrganisationFactory(name="Acme Dental")
    dana = customer(acme, name="Dana Mpoc")
    other = customer(OrganisationFactory(name="Blue Ridge Logistics"), name="Rita Other")
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    for n in range(3):
        actions.open_case(by=dana, title=f"Voicemail greeting {n} to record", channel="portal")
    theirs = actions.open_case(by=other, title="Carrier trunk down at the depot", channel="portal")
    _next_case_id(123456)
    case = actions.open_case(
        by=dana,
        title="Reception phone drops calls after thirty seconds",
        description="Every transferred call from reception drops after about thirty seconds.",
        channel="portal",
    )
    actions.add_comment(case, by=tech, body="The session timer on the carrier trunk was misconfigured.")
    actions.add_comment(case, by=dana, body="Confirmed: transfers stay up now. Thanks!")
    actions.transition(case, to="closed", by=tech, resolution="Session timer corrected.")
    base = live_server.url
    part = "2345"  # the middle of CS-123456: a search, not a jump

    for width in (1366, 390):
        staff_page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(staff_page, base, tech.email)
        staff_page.goto(f"{base}/console/contacts/")  # any console page has the box
        _search(staff_page, "misconfigured")
        hits = staff_page.locator("#hits .hit")
        assert hits.count() == 1
        assert case.number in hits.first.inner_text()
        assert staff_page.locator("#hits mark", has_text="misconfigured").count() == 1
        assert "Closed" in hits.first.inner_text()
        assert staff_page.evaluate("document.documentElement.scrollWidth") <= width
        shot(staff_page, f"12-console-search-comment-{width}")

        _search(staff_page, part)
        assert staff_page.locator("#hits .hit").first.locator(".number").inner_text() == case.number
        shot(staff_page, f"12-console-search-number-{width}")

        _search(staff_page, case.number)  # the whole number goes to the case
        assert staff_page.url.endswith(f"/console/cases/{case.number}/")

        portal_page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(portal_page, base, dana.email)
        portal_page.goto(f"{base}/portal/profile/")
        _search(portal_page, "carrier trunk")
        text = portal_page.locator("#hits").inner_text()
        assert case.number in text and theirs.number not in text
        assert portal_page.evaluate("document.documentElement.scrollWidth") <= width
        shot(portal_page, f"12-portal-search-{width}")
