"""Two-factor sign-in in a real browser: an administrator sets up an authenticator from the
QR code's page (typing the code an app would show for the key on the page), keeps the
recovery codes, signs in again with a code, and sees their sessions, at 1366 and 390 px,
under the strict Content-Security-Policy."""

from __future__ import annotations

import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_csp import watch
from tests.factories import AdministratorFactory
from tests.twofactor import code_at, code_for, secret_from_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-word-123"


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def password(page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("width", [1366, 390])
def test_an_administrator_enrols_and_signs_in_with_a_code(live_server, browser, shot, width):
    admin = AdministratorFactory(first_name="Ada", last_name="Admin", email=f"ada{width}@support.example.com")
    base, violations = live_server.url, []
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    watch(page, violations)

    password(page, base, admin.email)
    assert "/account/two-factor/enrol/" in page.url
    assert page.get_by_test_id("enrol-required").is_visible()
    assert page.locator("nav[aria-label=Main] a").count() == 0  # nothing else to reach yet
    page.get_by_test_id("enrol-begin").click()
    page.wait_for_load_state("networkidle")
    qr = page.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert fits(page)
    shot(page, f"two-factor-enrol-{width}")

    page.fill("input[name=code]", "000000")
    page.click("text=Confirm and turn on")
    assert "does not match" in page.locator("#error").inner_text()
    page.fill("input[name=code]", code_at(secret_from_page(secret), time.time()))
    page.click("text=Confirm and turn on")
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    assert fits(page)
    shot(page, f"two-factor-recovery-codes-{width}")
    page.click("text=I have saved them: go on")
    page.wait_for_load_state()

    # A second browser: the password, then the code.
    other = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    watch(other, violations)
    password(other, base, admin.email)
    assert "/account/two-factor/verify/" in other.url
    shot(other, f"two-factor-verify-{width}")
    other.fill("input[name=code]", "111111")
    other.click("button:has-text('Sign in')")
    assert "not right" in other.locator("#error").inner_text()
    other.fill("input[name=code]", code_for(TOTPDevice.objects.get(user=admin, confirmed=True)))
    other.click("button:has-text('Sign in')")
    other.wait_for_load_state()
    assert other.url.rstrip("/").endswith("/console")

    other.goto(f"{base}/account/")
    assert "On" in other.get_by_test_id("two-factor-state").inner_text()
    assert other.get_by_test_id("sessions").locator("tbody tr").count() == 2
    assert "10 recovery codes left" in other.content()
    assert fits(other)
    shot(other, f"account-{width}")
    other.get_by_test_id("end-others").click()
    other.wait_for_load_state()
    assert "Signed out 1 other session" in other.content()
    page.goto(f"{base}/console/")
    assert "/login/" in page.url  # the first browser's session has ended
    assert violations == []
