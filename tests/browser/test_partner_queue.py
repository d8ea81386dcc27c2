"""A partner's person in a real browser, on a laptop (1366 px) and a phone (390 px): the one
queue of every customer they act for (an organisation column and a filter by customer),
switching to one customer in the header and back to all, a comment on a customer's case
recorded for the customer by the partner. No width scrolls sideways."""

from __future__ import annotations

import pytest

from casedesk.accounts.models import Contact
from tests.browser.test_case_flow import login
from tests.factories import OrganisationFactory, PlatformFactory, customer, make_case, partner_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def partner():
    voice = PlatformFactory(name="Hosted Voice", code="voice")
    alder = OrganisationFactory(name="Alder Dental Group", account_number="ALD-1001", platforms=[voice])
    birch = OrganisationFactory(name="Birch & Co. Law", account_number="BIR-2002", platforms=[voice])
    cedar = OrganisationFactory(name="Cedar Clinic", account_number="CED-3003", platforms=[voice])
    user = partner_user({alder: "cases", birch: "full", cedar: "billing"})
    person = Contact.objects.get(pk=user.contact.pk)
    person.name = "Jane Doe"
    person.save()
    org = person.organisation
    org.name, org.account_number = "Acme Partners", "ACP-9000"
    org.save()
    Contact.objects.filter(delegate_of=person).update(name="Jane Doe")
    cases = [
        make_case(by=customer(alder), title="Reception phones lost registration", platform=voice),
        make_case(by=customer(alder), title="Voicemail greeting missing", platform=voice),
        make_case(by=customer(birch), title="Fax line to the court is silent", platform=voice),
    ]
    make_case(by=customer(cedar), title="Cedar only case", platform=voice)
    return {"user": user, "cases": cases, "alder": alder, "birch": birch}


@pytest.mark.parametrize("width", [1366, 390])
def test_a_partner_switches_customers_and_sees_the_one_queue(live_server, browser, shot, partner, width):
    base = live_server.url
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, base, partner["user"].email)
    page.goto(f"{base}/portal/")
    assert page.locator("h1").inner_text() == "All customers: cases"
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 3 and "Cedar only case" not in page.content()
    assert "Birch &amp; Co. Law" in page.content() and page.locator("th", has_text="Organisation").count()
    shot(page, f"partner-queue-all-{width}")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate(NO_SIDEWAYS), f"the one queue scrolls sideways at {width} px: {wide}"

    # Filter the one queue by customer.
    page.select_option("select[name=organisation]", "BIR-2002")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.locator("table.cases tbody tr").count() == 1

    # Switch to one customer in the header (in sight on the phone too, outside the menu).
    page.goto(f"{base}/portal/")
    assert page.locator("#acting-customer").is_visible()
    page.select_option("#acting-customer", "ALD-1001")
    with page.expect_navigation():
        page.click("#acting-for button[type=submit]")
    assert page.locator("h1").inner_text() == "Alder Dental Group: cases"
    assert page.locator("table.cases tbody tr").count() == 2
    assert "Fax line to the court" not in page.content()
    assert "for Alder Dental Group" in page.content()
    assert page.evaluate(NO_SIDEWAYS), f"acting for one customer scrolls sideways at {width} px"
    shot(page, f"partner-queue-one-{width}")

    # A comment on that customer's case names both.
    case = partner["cases"][0]
    page.goto(f"{base}/portal/cases/{case.number}/")
    page.fill("textarea[name=body]", "Our engineer rebooted the switch on site.")
    with page.expect_navigation():
        page.click("form#comment button[type=submit], form[action$='/comment/'] button[type=submit]")
    assert "Jane Doe (Acme Partners, for Alder Dental Group)" in page.content()
    assert page.evaluate(NO_SIDEWAYS)
    shot(page, f"partner-case-{width}")

    # Back to all customers.
    page.goto(f"{base}/portal/")
    page.select_option("#acting-customer", "")
    with page.expect_navigation():
        page.click("#acting-for button[type=submit]")
    assert page.locator("table.cases tbody tr").count() == 3
    page.goto(f"{base}/portal/cases/new/")
    assert page.locator("h1").inner_text() == "Which customer is it for?"
    assert page.locator("#choose-customer button").count() == 2  # billing only opens no case
    assert page.evaluate(NO_SIDEWAYS)
    shot(page, f"partner-choose-customer-{width}")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_partners_primary_mpoc_gives_and_ends_access(live_server, browser, shot, partner, width):
    from tests.factories import AdministratorFactory

    base = live_server.url
    org = partner["user"].contact.organisation
    boss = customer(org, mpoc=False, is_primary_mpoc=True, name="Pam Partner")
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, base, boss.email)
    page.goto(f"{base}/portal/partner/")
    assert page.locator("#delegations tbody tr").count() == 3
    page.select_option("#grant select[name=customer]", str(partner["birch"].pk))
    page.select_option("#grant select[name=scope]", "billing")
    with page.expect_navigation():
        page.click("#grant button[type=submit]")
    assert "now acts for Birch &amp; Co. Law: billing only" in page.content()
    assert page.evaluate(NO_SIDEWAYS), f"the partner's access page scrolls sideways at {width} px"
    shot(page, f"partner-access-{width}")

    # Support sees the partner and its people on the customer's case.
    admin = AdministratorFactory(first_name="Ada", last_name="Admin")
    staff = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(staff, base, admin.email)
    staff.goto(f"{base}/console/cases/{partner['cases'][2].number}/")
    card = staff.locator("#partner-card")
    assert "Acme Partners" in card.inner_text() and "billing only" in card.inner_text()
    assert staff.evaluate(NO_SIDEWAYS)
    shot(staff, f"partner-console-case-{width}")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_customers_mpoc_sees_who_of_the_partner_acts_for_it(live_server, browser, shot, partner, width):
    base = live_server.url
    mpoc = customer(partner["alder"], mpoc=False, name="Dana Mpoc", is_primary_mpoc=True)
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, base, mpoc.email)
    page.goto(f"{base}/portal/profile/")
    card = page.locator("#partner-card")
    assert "managed by Acme Partners" in card.inner_text() and "Jane Doe" in card.inner_text()
    assert "cases only" in card.inner_text()
    assert "Jane Doe" not in page.locator("h2:has-text('Main points of contact') + p + ul").inner_text()
    assert page.locator("#acting-for").count() == 0  # a customer acts for no one else
    assert page.evaluate(NO_SIDEWAYS)
    shot(page, f"partner-customer-profile-{width}")
