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


def test_an_editor_links_a_guide_to_a_change_and_deletes_an_article(live_server, browser, shot, library):
    """The editor ticks a MACD change type on an article; an MPOC's request form offers that
    guide and the request's preview links it; the editor deletes another article through
    its confirm page, and its address then answers 404."""
    base, violations = live_server.url, []
    org = OrganisationFactory(platforms=list(library.values()))
    editor = StaffFactory()
    for width in (1366, 390):
        staff = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(staff, violations)
        login(staff, base, editor.email)
        guide = Article.objects.get(title="Set up call forwarding")
        staff.goto(f"{base}/console/solutions/{guide.pk}/")
        staff.check("#guide-for input[value='number:change']")
        with staff.expect_navigation():
            staff.click("#article-form button[type=submit]")
        assert "Saved" in staff.locator("main").inner_text()
        assert staff.locator("#guide-for input[value='number:change']").is_checked()
        no_sideways_scroll(staff, width)
        shot(staff, f"kb-console-edit-guides-{width}")

        mpoc = customer(org, name=f"Dana {width}")
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(page, violations)
        login(page, base, mpoc.email)
        page.goto(f"{base}/portal/macd/new/")
        page.click("#guides summary")
        assert "Change phone number: Set up call forwarding" in page.locator("#guides").inner_text()
        page.fill("input[name=title]", "Forward the lobby line")
        page.select_option("select[name=type_0]", "number:change")
        page.fill("input[name=key_0]", "+13035550142")
        page.fill("input[name=details_0]", "Forward to the front desk")
        with page.expect_navigation():
            page.click("#macd-form button[type=submit]")
        link = page.locator("#estimate [data-testid=guide]")
        assert link.get_attribute("href") == f"/solutions/a/{guide.slug}/"
        no_sideways_scroll(page, width)
        shot(page, f"macd-new-guides-{width}")

        doomed = Article.objects.filter(audience="customers").exclude(pk=guide.pk).order_by("id").first()
        assert doomed is not None
        staff.goto(f"{base}/console/solutions/{doomed.pk}/")
        with staff.expect_navigation():
            staff.click("[data-testid=delete-article]")
        no_sideways_scroll(staff, width)
        shot(staff, f"kb-console-delete-{width}")
        staff.fill("input[name=reason]", "Replaced by a newer guide")
        with staff.expect_navigation():
            staff.click("#delete-form button[type=submit]")
        assert f"Deleted “{doomed.title}”" in staff.locator("main").inner_text()
        assert page.goto(f"{base}/solutions/a/{doomed.slug}/").status == 404
    assert violations == []
