"""Every main page of the portal, the console and the status page on a laptop (1366 px) and
a phone (390 px): on the phone the top bar's links fold into a menu that opens and closes,
tables become cards, and nothing scrolls sideways."""

from __future__ import annotations

import pytest

from casedesk.mail import intake
from casedesk.status import masters, versions
from casedesk.statuspage import pages
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login
from tests.factories import (
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    TeamFactory,
    customer,
    make_case,
)
from tests.mail.mailgen import make_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def world(settings, live_server):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    settings.CASEDESK_BASE_URL = live_server.url
    pages._memo.clear()
    versions.forget()
    team = TeamFactory(name="Cloud")
    voice = PlatformFactory(name="Hosted Voice", code="voice", team=team)
    org = OrganisationFactory(name="Acme Dental Group of the Front Range", platforms=[voice])
    ContactFactory(organisation=org, name="Pat Primary", is_primary_mpoc=True, is_secondary_mpoc=False)
    mpoc = customer(org)
    case = make_case(
        by=mpoc,
        title="Every desk phone at the Lakewood, Golden and Arvada offices lost its registration overnight",
        platform=voice,
    )
    manager = ManagerFactory(first_name="Marcus", last_name="Manager", email="marcus@support.example.com")
    team.members.add(manager)
    master = masters.create_master(
        by=manager, title="Calls dropping in the west region", body="We are investigating.",
        platforms=[voice], impact="partial",
    )  # fmt: skip
    stranger = intake.ingest(
        make_mail(
            "Someone New <someone.with.a.long.address@a-very-long-domain-name.example.org>", subject="Help"
        )
    )
    return {"mpoc": mpoc, "case": case, "manager": manager, "master": master, "mail": stranger.inbound_id}


def _check(page, name: str, width: int) -> None:
    page.screenshot(path=str(ARTIFACTS / f"phone-layout-{name}-{width}.png"), full_page=True)
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_SIDEWAYS), f"{name} at {width} px scrolls sideways: {wide}"
    toggle = page.locator(".menu-toggle")
    links = page.locator("#site-menu nav a").first
    if width <= 720:
        assert toggle.is_visible() and not links.is_visible(), f"{name}: no folded menu at {width} px"
        toggle.click()
        assert links.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        assert page.evaluate(NO_SIDEWAYS), f"{name}: the open menu widens the page"
        if name in {"console-queue", "portal-cases", "status"}:
            page.screenshot(path=str(ARTIFACTS / f"phone-layout-{name}-menu-{width}.png"))
        page.keyboard.press("Escape")
        assert not links.is_visible()
    else:
        assert not toggle.is_visible() and links.is_visible(), f"{name}: menu hidden at {width} px"


@pytest.mark.parametrize("width", [1366, 390])
def test_main_pages_fit_the_screen(live_server, browser, world, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, number = live_server.url, world["case"].number
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in [
        ("status", "/status/"),
        ("status-history", "/status/history/"),
        ("status-incident", f"/status/incidents/{world['master'].incident.pk}/"),
    ]:
        page.goto(base + path)
        _check(page, name, width)

    login(page, base, world["mpoc"].email)
    for name, path in [
        ("portal-cases", "/portal/"),
        ("portal-case", f"/portal/cases/{number}/"),
        ("portal-new", "/portal/cases/new/"),
        ("portal-profile", "/portal/profile/"),
        ("portal-escalation", "/portal/escalation/"),
    ]:
        page.goto(base + path)
        _check(page, name, width)
    context.close()

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, base, world["manager"].email)
    for name, path in [
        ("console-case", f"/console/cases/{number}/"),
        ("console-quarantine", "/console/mail/"),
        ("console-mail", f"/console/mail/{world['mail']}/"),
        ("console-masters", "/console/masters/"),
        ("console-master", f"/console/masters/{world['master'].number}/"),
        ("console-queue", "/console/"),
    ]:
        page.goto(base + path)
        assert page.locator("h1").count() >= 1, f"{name}: {page.content()[:300]}"
        _check(page, name, width)
    if width <= 640:  # the queue's rows are cards, each cell named
        page.goto(base + "/console/queue/open/")
        assert page.locator("#queue tbody tr").first.is_visible()
        title_cell = "#queue tbody td[data-label=Title]"
        label = page.evaluate(f"getComputedStyle(document.querySelector('{title_cell}'), '::before').content")
        assert "Title" in label
    context.close()
