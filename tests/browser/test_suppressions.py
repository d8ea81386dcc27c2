"""Suppressed addresses in a real browser: a complaint about an MPOC holds the notices of
their case, which says why; the list shows the reason and the report; staff lift it. At
desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest

from casedesk.cases import actions
from casedesk.mail import intake
from casedesk.outbox.models import Suppression
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FEEDBACK = Path(__file__).resolve().parents[1] / "mail" / "samples" / "feedback"


def test_a_complaint_holds_notices_and_staff_lift_it(live_server, browser, shot):
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    org = OrganisationFactory(name="Acme Logistics")
    mpoc = ContactFactory(organisation=org, email="dana.mpoc@acme.example.com", is_primary_mpoc=True)
    case = actions.open_case(by=mpoc, title="Hunt group rings only the first phone", channel="portal")
    report = (FEEDBACK / "rfc5965-example.eml").read_bytes().replace(b"user@example.com", mpoc.email.encode())
    assert intake.ingest(report).outcome == "bounce"
    intake.ingest((FEEDBACK / "ses-bounce-suppressed.eml").read_bytes())
    actions.add_comment(case, by=tech, body="We changed the hunt group to ring all phones.")
    base = live_server.url
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, base, tech.email)
        page.goto(f"{base}/console/cases/{case.number}/")
        held = page.locator("#held-notices")
        assert "dana.mpoc@acme.example.com" in held.inner_text() and "suppressed" in held.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"14-case-held-notices-{width}")
        page.goto(f"{base}/console/mail/suppressed/")
        table = page.locator("#suppressions").inner_text()
        assert "dana.mpoc@acme.example.com" in table and "Feedback-Type: abuse" in table
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"14-suppressions-{width}")
    row = Suppression.objects.get(address=mpoc.email)
    page.goto(f"{base}/console/mail/suppressed/")
    page.get_by_label(f"Why it is lifted ({mpoc.email})").fill("Dana asked to hear from us again.")
    page.locator(f"form[action='/console/mail/suppressed/{row.pk}/lift/'] button").click()
    assert "Mail to dana.mpoc@acme.example.com is sent again." in page.content()
    row.refresh_from_db()
    assert row.lifted_by == tech
