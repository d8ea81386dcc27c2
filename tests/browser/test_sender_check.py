"""Whether an e-mail's sender was verified, in the console of a real browser: a forged MPOC's
message quarantined with the verdict and its evidence, and a case whose timeline marks an
unverified e-mail apart from a signed one; at desktop and phone widths."""

from __future__ import annotations

import pytest
from django.test import override_settings

from casedesk.mail import intake, senders
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, PlatformFactory, StaffFactory, TeamFactory
from tests.mail.mailgen import make_mail
from tests.mail.stubdns import acme, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVER = "mx.provider.example"


@override_settings(CASEDESK_MAIL_AUTHSERV_ID=SERVER)
def test_verdicts_on_a_quarantined_forgery_and_on_a_case_timeline(live_server, browser, shot):
    org = OrganisationFactory(
        name="Acme Dental", platforms=[PlatformFactory(name="Hosted Voice", team=TeamFactory())]
    )
    dana = ContactFactory(
        organisation=org, name="Dana Reyes", email="dana@acme.example.com", is_primary_mpoc=True
    )
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    opened = intake.ingest(make_mail(f"Dana Reyes <{dana.email}>", subject="Desk phones lost registration"))
    with senders.resolving(acme()):
        signed = intake.ingest(
            sign(
                make_mail(
                    dana.email, subject=f"Re: [{opened.case}] Desk phones", body="Still down at reception."
                )
            )
        )
    forged_results = (
        f"{SERVER}; spf=pass smtp.mailfrom=bulk@evil.example; dkim=none;"
        " dmarc=fail (p=reject) header.from=acme.example.com"
    )
    forged = intake.ingest(
        make_mail(
            f"Dana Reyes <{dana.email}>",
            subject="Please forward all our numbers to +1 555 0100",
            headers={"Authentication-Results": forged_results},
        ),
        envelope_from="bulk@evil.example",
    )
    assert (opened.outcome, signed.outcome, forged.outcome) == ("created", "appended", "quarantined")
    base = live_server.url
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, base, tech.email)
        page.goto(f"{base}/console/mail/{forged.inbound_id}/")
        check = page.locator("#sender-check")
        assert "forged (DMARC fail)" in check.inner_text() and "by the receiving server" in check.inner_text()
        assert "smtp.mailfrom=bulk@evil.example" in check.inner_text()
        assert "DMARC fail" in page.locator("#reason").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"13-mail-forged-{width}")
        page.goto(f"{base}/console/cases/{opened.case}/")
        assert (
            page.locator(f"#event-{opened.event_id} .badge.sender-none").inner_text() == "sender not verified"
        )
        assert page.locator(f"#event-{signed.event_id} .badge.sender-pass").inner_text() == "sender verified"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"13-case-senders-{width}")
        page.close()
