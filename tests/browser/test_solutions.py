"""The Solutions Center in a real browser: a customer types a new case, the suggested
articles appear, they open one and leave; 30 minutes later (the clock moved) the sweep
counts the deflection and the console's report shows it. Staff link an article into a
reply. Every page of the Solutions Center and the published plan at 1366 and 390 px, with
no sideways scroll and nothing blocked by the Content-Security-Policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casedesk.core import sweeps
from casedesk.site import demo_articles
from casedesk.solutions.models import Article
from tests.browser.test_case_flow import login
from tests.browser.test_csp import watch
from tests.factories import (
    AdministratorFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    customer,
    make_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODES = ["hosted-voice", "contact-centre", "teams-operator-connect", "webex", "circuits"]


@pytest.fixture
def library():
    platforms = {code: PlatformFactory(code=code, name=code.replace("-", " ").title()) for code in CODES}
    demo_articles.seed(AdministratorFactory(), platforms)
    return platforms


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_customer_is_deflected_and_the_console_report_shows_it(
    live_server, browser, shot, library, time_machine
):
    base, violations = live_server.url, []
    org = OrganisationFactory(platforms=list(library.values()))
    time_machine.move_to(timezone.now())
    for n, width in enumerate((1366, 390), start=1):
        mpoc = customer(org, name=f"Dana {width}")
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        watch(page, violations)
        login(page, base, mpoc.email)
        page.goto(f"{base}/portal/cases/new/")
        assert "+1 303 555 0100" in page.locator(".urgent").inner_text()
        page.fill("input[name=title]", "Forgot the voicemail PIN")
        suggested = page.locator("#suggested-list a")
        suggested.first.wait_for()
        assert "Reset your voicemail PIN" in page.locator("#suggestions").inner_text()
        assert "Runbook" not in page.locator("#suggestions").inner_text()  # staff only
        no_sideways_scroll(page, width)
        shot(page, f"kb-new-case-suggestions-{width}")
        with context.expect_page() as opened:
            suggested.first.click()
        article = opened.value
        article.wait_for_load_state()
        assert article.locator("#article h1").inner_text() == "Reset your voicemail PIN"
        no_sideways_scroll(article, width)
        shot(article, f"kb-article-{width}")
        context.close()  # the customer leaves without opening the case

        time_machine.move_to(timezone.now() + timedelta(minutes=31))
        sweeps.run_all()
        assert Article.objects.get(title="Reset your voicemail PIN").deflections == n

        staff = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(staff, violations)
        login(staff, base, StaffFactory().email)
        staff.goto(f"{base}/console/solutions/report/")
        row = staff.locator("#report tr", has_text="Reset your voicemail PIN")
        assert row.locator("td[data-label=Deflections]").inner_text() == str(n)
        no_sideways_scroll(staff, width)
        shot(staff, f"kb-console-report-{width}")
    assert violations == []


def test_the_solutions_center_and_the_plan_pages(live_server, browser, shot, library):
    base, violations = live_server.url, []
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(page, violations)
        for name, path in [
            ("home", "/solutions/"),
            ("category", "/solutions/c/hosted-voice/"),
            ("search", "/solutions/search/?q=voicemal"),
            ("public-info", "/solutions/c/public-information/"),
            ("faq", "/solutions/a/frequently-asked-questions/"),
            ("plan", "/plan/"),
            ("plan-priorities", "/plan/priorities/"),
            ("plan-hours", "/plan/hours/"),
            ("plan-statuses", "/plan/statuses/"),
            ("plan-escalation", "/plan/escalation/"),
            ("plan-maintenance", "/plan/maintenance/"),
            ("login", "/login/"),
        ]:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            no_sideways_scroll(page, width)
            shot(page, f"kb-{name}-{width}")
        page.goto(f"{base}/solutions/search/?q=voicemal")
        assert page.locator("#hits .hit").count() >= 1  # a typo, corrected (or a prefix)
        assert "Runbook" not in page.locator("main").inner_text()
    assert violations == []


def test_staff_link_an_article_into_a_reply(live_server, browser, shot, library):
    base, violations = live_server.url, []
    mpoc = customer(OrganisationFactory(platforms=list(library.values())))
    case = make_case(by=mpoc, title="Voicemail PIN locked")
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(page, violations)
        login(page, base, StaffFactory().email)
        page.goto(f"{base}/console/cases/{case.number}/")
        page.fill("#kb-insert-q", "voicemail")
        button = page.locator("#kb-insert-hits button").first
        button.wait_for()
        assert "Runbook" not in page.locator("#kb-insert-hits").inner_text()
        button.click()
        assert "/solutions/a/" in page.locator("#reply-body").input_value()
        no_sideways_scroll(page, width)
        shot(page, f"kb-console-insert-link-{width}")
        page.goto(f"{base}/console/solutions/")
        no_sideways_scroll(page, width)
        shot(page, f"kb-console-articles-{width}")
        page.locator("#articles a").first.click()
        page.wait_for_load_state()
        shot(page, f"kb-console-edit-{width}")
    assert violations == []
