"""People copied on a case, in a real browser: staff copy an outside address, an MPOC a
colleague, and the copied colleague reads the case; at desktop and phone widths."""

from __future__ import annotations

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Participant
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copying_people_from_the_console_and_the_portal(live_server, browser, shot):
    org = OrganisationFactory(name="Acme Dental")
    ContactFactory(organisation=org, name="Pat Primary", email="pat@acme.example.com", is_primary_mpoc=True)
    dana = customer(org, name="Dana Mpoc")
    lee = customer(org, mpoc=False, name="Lee Reception")
    ContactFactory(
        organisation=org, name="Robin Accounts", email="robin@acme.example.com", is_secondary_mpoc=False
    )
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    case = actions.open_case(by=dana, title="Reception phone has no dial tone", channel="portal")
    actions.add_comment(case, by=tech, body="An engineer is checking the handset registration now.")
    base = live_server.url

    staff_page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    login(staff_page, base, tech.email)
    staff_page.goto(f"{base}/console/cases/{case.number}/")
    staff_page.fill("#participants input[name=address]", "Field.Engineer@Carrier.example.net")
    staff_page.click("#participants button:has-text('Copy on the case')")
    assert "field.engineer@carrier.example.net" in staff_page.locator("#participants").inner_text()

    portal_page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    login(portal_page, base, dana.email)
    portal_page.goto(f"{base}/portal/cases/{case.number}/")
    assert portal_page.locator("#participants input[name=address]").count() == 0  # outsiders: staff
    portal_page.select_option("#participants select[name=contact]", label=f"Lee Reception ({lee.email})")
    portal_page.click("#participants button:has-text('Copy on the case')")
    assert "Lee Reception" in portal_page.locator("#participants").inner_text()
    assert Participant.objects.filter(case=case).count() == 2

    for width in (1366, 390):
        for who, user, path in (
            ("console", tech, "console"),
            ("portal", dana, "portal"),
            ("copied", lee, "portal"),
        ):
            page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            login(page, base, user.email)
            page.goto(f"{base}/{path}/cases/{case.number}/")
            card = page.locator("#participants")
            assert card.locator("[data-testid=participant]").count() == 2
            removable = card.get_by_role("button", name="Remove").count()
            assert removable == (0 if who == "copied" else 2), who
            # a long name or address in the card does not widen the page on a phone
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(page, f"11-{who}-participants-{width}")
