"""The console's list of received messages, in a real browser: each message's recognised
kind of automatic mail in its own column, and the list filtered to one kind; at desktop and
phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest

from casedesk.mail import batch
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parents[1] / "mail" / "samples"


def test_messages_listed_with_their_kind_and_filtered_by_it(live_server, browser, shot):
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    mpoc = ContactFactory(is_primary_mpoc=True, email="dana@acme.example.com")
    batch.ingest_many(
        [
            (SAMPLES / "sisimai" / "email-opensmtpd-02.eml").read_bytes(),
            (SAMPLES / "sisimai" / "email-v5sendmail-01.eml").read_bytes(),
            (SAMPLES / "feedback" / "rfc5965-example.eml").read_bytes(),
            make_mail(
                mpoc.email,
                subject="Out of the office until Monday",
                headers={"Auto-Submitted": "auto-replied"},
            ),
            make_mail(mpoc.email, subject="Voicemail to e-mail stopped at our Leeds site"),
        ]
    )
    base = live_server.url
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, base, tech.email)
        page.goto(f"{base}/console/mail/?state=done")
        kinds = page.locator('[data-testid="kind"]').all_inner_texts()
        assert sorted(kinds) == sorted(
            ["Bounce (permanent)", "Bounce (transient)", "Complaint", "Automatic reply", "—"]
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"13-mail-kinds-{width}")
        page.select_option('[data-testid="kind-filter"] select', "bounce_permanent")
        page.click('[data-testid="kind-filter"] button')
        page.wait_for_url("**automatic=bounce_permanent**")
        assert page.locator('[data-testid="kind"]').all_inner_texts() == ["Bounce (permanent)"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"13-mail-kinds-filtered-{width}")
