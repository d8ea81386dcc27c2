"""A received message in the console, in a real browser: a quarantined stranger's mail
shows what was read at intake (text, attachment, headers), a hostile one its reason; at
desktop and phone widths."""

from __future__ import annotations

import pytest

from casedesk.mail import batch
from tests.browser.test_case_flow import login
from tests.factories import StaffFactory
from tests.mail import hostile
from tests.mail.mailgen import make_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_received_message_and_a_hostile_one_in_the_console(live_server, browser, shot):
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    signature = "v=1; a=rsa-sha256; d=elsewhere.example.org; s=mail; b=" + "A1b2C3d4" * 40
    raw = make_mail(
        "Robin Stranger <robin@elsewhere.example.org>",
        subject="Our SIP trunk drops every call after 32 seconds",
        body="Hello,\n\nsince this morning every call on our trunk drops after 32 seconds.\n"
        "A capture is attached.\n\nRobin",
        headers={"DKIM-Signature": signature},
        attachments=[("capture-2026-03-02.pcap", "application/vnd.tcpdump.pcap", b"\xd4\xc3\xb2\xa1" * 4000)],
    )
    stranger, bad = batch.ingest_many([raw, hostile.nested_divs(60_000)])
    assert (stranger.outcome, bad.outcome) == ("quarantined", "quarantined")
    base = live_server.url
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, base, tech.email)
        page.goto(f"{base}/console/mail/{stranger.inbound_id}/")
        assert "every call on our trunk drops" in page.locator("pre.mail-text").inner_text()
        assert "capture-2026-03-02.pcap" in page.content()
        assert page.locator("table.headers th", has_text="DKIM-Signature").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"12-mail-message-{width}")
        page.goto(f"{base}/console/mail/{bad.inbound_id}/")
        assert "HTML nested deeper than 500 elements" in page.locator("#reason").inner_text()
        assert page.locator("table.headers").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"12-mail-hostile-{width}")
