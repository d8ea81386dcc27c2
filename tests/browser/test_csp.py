"""The Content-Security-Policy in a real browser: the main pages of the portal, the console
and the status page run under the strict policy and nothing on them is blocked (neither a
console message nor a report to the endpoint)."""

from __future__ import annotations

import logging

import pytest

from casedesk.status import masters, versions
from casedesk.statuspage import pages
from tests.browser.test_case_flow import login
from tests.factories import AdministratorFactory, OrganisationFactory, PlatformFactory, customer, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page, violations: list[str]) -> None:
    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


def walk(page, base: str, paths: list[str], violations: list[str], shot, name: str) -> None:
    for n, path in enumerate(paths):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        if n == 0:
            shot(page, f"csp-{name}")


def test_the_main_pages_break_no_rule_of_the_policy(live_server, browser, shot, settings, caplog):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    pages._memo.clear()
    versions.forget()
    platform = PlatformFactory(name="Hosted Voice", code="voice")
    user = customer(OrganisationFactory(platforms=[platform]))
    case = make_case(by=user, platform=platform)
    admin = AdministratorFactory()
    master = masters.promote(case, by=admin, body="Investigating loss of dial tone.", impact="major")
    base, violations = live_server.url, []
    caplog.set_level(logging.WARNING, logger="casedesk.csp")

    for width in (1366, 390):
        anonymous = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(anonymous, violations)
        public = ["/login/", "/password/reset/", "/status/", "/status/history/"]
        walk(anonymous, base, public, violations, shot, f"public-{width}")

        portal = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(portal, violations)
        login(portal, base, user.email)
        portal_paths = ["/portal/", f"/portal/cases/{case.number}/", "/portal/cases/new/", "/portal/profile/"]
        walk(portal, base, portal_paths, violations, shot, f"portal-{width}")

        console = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        watch(console, violations)
        login(console, base, admin.email)
        console_paths = [
            "/console/",
            f"/console/cases/{case.number}/",
            "/console/masters/",
            f"/console/masters/{master.number}/",
            "/console/maintenance/",
            "/console/maintenance/new/",
            "/console/reports/sla/",
            "/console/contacts/",
            "/console/mail/",
        ]
        walk(console, base, console_paths, violations, shot, f"console-{width}")
        console.goto(f"{base}/console/maintenance/new/")
        console.select_option("#id_kind", index=1)  # the maintenance form's script, from a static file
        console.goto(f"{base}/console/masters/{master.number}/")
        console.wait_for_timeout(1200)  # the countdown ticks once a second
        assert " s" in console.get_by_test_id("countdown").inner_text()

    reports = [r.getMessage() for r in caplog.records if r.name == "casedesk.csp"]
    assert violations == [] and reports == []


def test_a_blocked_inline_script_is_seen(live_server, browser, caplog):
    """The watch itself works: an inline script is blocked, logged and reported."""
    caplog.set_level(logging.WARNING, logger="casedesk.csp")
    page = browser.new_page()
    violations: list[str] = []
    watch(page, violations)
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(500)
    assert violations and page.evaluate("() => window.ran") is None
    assert [r for r in caplog.records if r.name == "casedesk.csp"]
