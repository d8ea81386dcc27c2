"""The foundation's story in a real browser: open, triage, answer, read the answer."""

from __future__ import annotations

import re

import pytest

from casedesk.accounts.models import Contact
from casedesk.cases import actions
from casedesk.cases.models import Case
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-word-123"


def login(page, base: str, email: str) -> None:
    """Password, then for staff who must have one the second factor: an authenticator is
    given to them first, and its code typed as a person would."""
    from casedesk.accounts.models import User
    from casedesk.signin import verification
    from tests.twofactor import code_for, give_authenticator

    user = User.objects.get(email__iexact=email)
    device = give_authenticator(user) if verification.must_have(user) else None
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if device is not None:
        page.fill("input[name=code]", code_for(device))
        with page.expect_navigation():
            page.click("[data-testid=verify-form] button[type=submit]")


def test_mpoc_opens_technician_triages_and_replies_mpoc_reads(live_server, browser, shot):
    team = TeamFactory(name="Cloud")
    platform = PlatformFactory(name="Hosted Voice", team=team)
    org = OrganisationFactory(name="Acme Dental", platforms=[platform])
    ContactFactory(organisation=org, name="Pat Primary", is_primary_mpoc=True, is_secondary_mpoc=False)
    mpoc = customer(org)
    plain = customer(org, mpoc=False)
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    team.members.add(tech)
    base = live_server.url

    customer_page = browser.new_context().new_page()
    login(customer_page, base, mpoc.email)
    customer_page.click("text=New Case")
    customer_page.select_option("select[name=platform]", label="Hosted Voice")
    customer_page.fill("input[name=title]", "Reception phone has no dial tone")
    customer_page.fill("textarea[name=description]", "Since 9am the reception handset is silent.")
    customer_page.click("button:has-text('Open the case')")
    confirmation = customer_page.locator(".msg.success").inner_text()
    number = re.search(r"CS-\d{6}", confirmation).group(0)
    assert "Priority 4" in confirmation
    assert customer_page.get_by_test_id("priority").inner_text() == "Priority 4"
    shot(customer_page, "01-portal-case-opened")

    staff_page = browser.new_context().new_page()
    login(staff_page, base, tech.email)
    staff_page.click("text=Needs triage")
    staff_page.click(f"text={number}")
    staff_page.select_option("#disposition select[name=priority]", "P2")
    staff_page.select_option("#disposition select[name=assignee]", str(tech.pk))
    staff_page.click("button:has-text('Save disposition')")
    assert staff_page.get_by_test_id("priority").inner_text() == "Priority 2"
    staff_page.fill("#reply textarea[name=body]", "An engineer is checking the handset registration now.")
    staff_page.click("#reply button:has-text('Send reply to the customer')")
    assert staff_page.get_by_test_id("status").inner_text() == "In-Progress"
    # the internal note is its own form and button, never a reply by accident
    staff_page.fill("#note textarea[name=body]", "Handset firmware looks old; check with the vendor.")
    staff_page.click("#note button:has-text('Add internal note')")
    assert "Handset firmware looks old" in staff_page.locator(".timeline").inner_text()
    shot(staff_page, "02-console-case-triaged")
    staff_page.click("text=Queues")
    assert number not in staff_page.locator("table.cases").inner_text()

    customer_page.reload()
    timeline = customer_page.locator(".timeline").inner_text()
    assert "An engineer is checking the handset registration now." in timeline
    assert "Handset firmware" not in timeline
    assert customer_page.get_by_test_id("priority").inner_text() == "Priority 2"
    shot(customer_page, "03-portal-sees-reply")

    case = Case.objects.get()
    assert (case.number, case.priority, case.assignee, case.needs_triage) == (number, "P2", tech, False)

    plain_page = browser.new_context().new_page()
    login(plain_page, base, plain.email)
    plain_page.goto(f"{base}/portal/cases/new/")
    refusal = plain_page.locator("#error").inner_text()
    assert "Only the main points of contact of Acme Dental may open support cases" in refusal
    assert "Pat Primary" in refusal and mpoc.email in refusal
    assert plain_page.locator("input[name=title]").count() == 0
    shot(plain_page, "04-portal-non-mpoc-refused")


def test_a_contact_who_is_not_an_mpoc_reads_their_case_without_mpoc_buttons(live_server, browser, shot):
    org = OrganisationFactory(name="Acme Dental")
    ContactFactory(
        organisation=org,
        name="Pat Primary",
        email="pat@acme.example.com",
        is_primary_mpoc=True,
        is_secondary_mpoc=False,
    )
    lee = customer(org)
    case = actions.open_case(by=lee, title="Reception phone has no dial tone", channel="portal")
    actions.transition(
        case, to="resolved_follow_up", by=StaffFactory(), note="Handset replaced. Can you confirm?"
    )
    Contact.objects.filter(user=lee).update(is_secondary_mpoc=False)  # the organisation named other MPOCs
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, live_server.url, lee.email)
        page.goto(f"{live_server.url}/portal/cases/{case.number}/")
        assert "Handset replaced" in page.locator(".timeline").inner_text()
        for button in ("Escalate", "Yes, close it", "It is not fixed", "Ask to reopen"):
            assert page.get_by_role("button", name=button).count() == 0, button
        assert "Pat Primary" in page.locator("#ask-mpocs").inner_text()
        assert page.get_by_role("button", name="Send").count() == 1  # a comment is still theirs to add
        assert page.get_by_role("link", name="New Case").count() == 0
        shot(page, f"05-portal-non-mpoc-case-{width}")


def test_console_case_page_and_the_confirm_link_at_desk_and_phone_widths(live_server, browser, shot):
    import re as _re

    from casedesk.outbox.models import OutboundMessage

    team = TeamFactory(name="Cloud")
    platform = PlatformFactory(name="Hosted Voice", team=team)
    org = OrganisationFactory(name="Acme Dental", platforms=[platform])
    mpoc = customer(org)
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    team.members.add(tech)
    case = actions.open_case(by=mpoc, title="Main number not ringing", channel="portal", platform=platform)
    actions.disposition(case, by=tech, priority="P1", team=team, assignee=tech)
    actions.add_comment(case, by=tech, body="Tracing the calls with the carrier now.")
    actions.set_update_interval(case, by=tech, minutes=30)
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, live_server.url, tech.email)
        page.goto(f"{live_server.url}/console/cases/{case.number}/")
        assert page.get_by_test_id("status").inner_text() == "In-Progress"  # assigned: picked up
        assert page.get_by_test_id("priority").inner_text() == "Priority 1"
        assert "every 30 minutes (as the customer asked)" in page.get_by_test_id("updates").inner_text()
        assert page.locator("#update-interval input[name=minutes]").input_value() == "30"
        shot(page, f"06-console-case-{width}")

    actions.transition(case, to="resolved_follow_up", by=tech, note="The carrier fixed the route.")
    notice = OutboundMessage.objects.get(case=case, kind="case_resolved")
    link = _re.search(r"/confirm/[^\s]+/", notice.text).group(0)
    for width in (390, 1366):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()  # not logged in
        page.goto(live_server.url + link)
        assert case.number in page.locator("h1").inner_text()
        assert page.get_by_role("button", name="Yes, it is fixed").count() == 1
        shot(page, f"07-confirm-resolution-{width}")
    case.refresh_from_db()
    assert case.status == "resolved_follow_up"  # opening the link changed nothing
    page.get_by_role("button", name="Yes, it is fixed").click()
    assert "is now closed" in page.locator(".msg.success").inner_text()
    shot(page, "08-confirm-done-1366")
    case.refresh_from_db()
    assert case.status == "closed"
    assert page.goto(live_server.url + link).status == 404  # used: the link is spent
