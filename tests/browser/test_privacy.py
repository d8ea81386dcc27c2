"""CPNI and privacy in a real browser, on a laptop (1366 px) and a phone (390 px): a
representative taking a call sees no account details until they mark the caller verified
with the passcode the caller gives, then sees the numbers on file; a person asks about
their personal data on the public page and is answered alike whoever they are. No width
scrolls sideways."""

from __future__ import annotations

import pytest
from django.utils import timezone

from casedesk.inventory.models import Item
from casedesk.privacy import actions
from casedesk.privacy.models import Disclosure, PrivacyRequest
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, RepresentativeFactory, customer, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
CODE = "Tulip-Harbor-42"


def _fits(page, width: int, name: str) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_SIDEWAYS), f"{name} at {width} px scrolls sideways: {wide}"


@pytest.mark.parametrize("width", [1366, 390])
def test_a_representative_verifies_the_caller_before_seeing_account_details(
    live_server, browser, shot, width
):
    org = OrganisationFactory(name="Acme Dental Group", account_number="ACC-90001")
    primary = ContactFactory(organisation=org, is_primary_mpoc=True, name="Dana Ortiz")
    now = timezone.now()
    Item.objects.create(
        organisation=org,
        kind="number",
        key="+13035550188",
        number="+13035550188",
        service_address="12 Elm Street, Denver CO",
        created_at=now,
        updated_at=now,
    )
    case = make_case(by=customer(org), title="Phones down")
    rep = RepresentativeFactory(first_name="Rita")
    actions.set_passcode(rep, primary.pk, CODE)
    base = live_server.url
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, base, rep.email)
    page.goto(f"{base}/console/cases/{case.number}/")
    card = page.locator("#cpni")
    assert "caller not verified" in card.inner_text()
    assert "+13035550188" not in page.content()
    card.scroll_into_view_if_needed()
    shot(page, f"cpni-unverified-{width}")
    _fits(page, width, "unverified case page")
    page.select_option("#verify-caller select[name=contact]", str(primary.pk))
    page.fill("#caller-passcode", CODE)
    with page.expect_navigation():
        page.click("#verify-button")
    assert page.locator("[data-testid=cpni-verified]").is_visible()
    assert "+13035550188" in page.locator("#cpni").inner_text()
    page.locator("#cpni").scroll_into_view_if_needed()
    shot(page, f"cpni-verified-{width}")
    _fits(page, width, "verified case page")
    assert Disclosure.objects.filter(by=rep, case=case).exists()


@pytest.mark.parametrize("width", [1366, 390])
def test_a_person_asks_about_their_data_and_is_answered_alike(live_server, browser, shot, width):
    known = ContactFactory(email="zelda@acme.example.com")
    base = live_server.url
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    answers = []
    for address in (known.email, "nobody@unknown.example.com"):
        page.goto(f"{base}/privacy/request/")
        _fits(page, width, "privacy request page")
        if not answers:
            shot(page, f"privacy-request-{width}")
        page.check("#privacy-request input[name=kind][value=delete]")
        page.fill("#privacy-request input[name=email]", address)
        with page.expect_navigation():
            page.click("#privacy-request button[type=submit]")
        answers.append(page.locator("[data-testid=privacy-sent]").inner_text())
    shot(page, f"privacy-request-sent-{width}")
    assert answers[0] == answers[1]
    # nothing is confirmed until the link mailed to the address is followed
    assert not PrivacyRequest.objects.filter(received_at__isnull=False).exists()
