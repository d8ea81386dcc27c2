"""The network status page in a real browser: an incident and a maintenance window shown;
subscribe, confirm by the emailed link, receive an update, unsubscribe with one click."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta

import pytest

from casedesk.core import clock
from casedesk.outbox import delivery as outbox
from casedesk.status import maintenance, masters, versions
from casedesk.status.models import MaintenanceKind, Subscription
from casedesk.statuspage import pages
from tests.factories import ManagerFactory, PlatformFactory
from tests.mail.smtp_sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink(settings, live_server):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    settings.CASEDESK_BASE_URL = live_server.url
    pages._memo.clear()
    versions.forget()
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink


def deliver() -> None:
    outbox.deliver_due(clock.now() + timedelta(seconds=1))


def test_subscribe_confirm_receive_and_unsubscribe(live_server, browser, shot, sink):
    voice = PlatformFactory(name="Hosted Voice", code="voice")
    staff = ManagerFactory()
    master = masters.create_master(
        by=staff, title="Calls dropping in the west region", body="We are investigating.",
        platforms=[voice], impact="partial",
    )  # fmt: skip
    today = clock.now().date()
    maintenance.create_window(
        by=staff, kind=MaintenanceKind.ONE_OFF, title="Core router upgrade", platforms=[voice],
        description="Router OS upgrade.", justification="Vendor security fix.",
        first_day=today + timedelta(days=3), start_time=clock.now().time().replace(microsecond=0, second=0),
        end_time=(clock.now() + timedelta(hours=2)).time().replace(microsecond=0, second=0),
    )  # fmt: skip
    page = browser.new_page()
    page.goto(f"{live_server.url}/status/")
    assert page.locator("[data-testid=overall]").inner_text() == "Partial outage"
    assert "Calls dropping in the west region" in page.locator("[data-testid=incident]").inner_text()
    assert "Core router upgrade" in page.locator("[data-testid=maintenance]").inner_text()
    assert page.locator("[data-testid=platform-voice] [data-testid=impact]").inner_text() == "Partial outage"
    shot(page, "status-page")

    row = page.locator("[data-testid=platform-voice]")
    row.locator("summary").click()
    row.locator("input[name=email]").fill("watcher@example.net")
    row.locator("button[type=submit]").click()
    assert "Check your inbox" in page.locator("h1").inner_text()
    deliver()
    (confirm_mail,) = [m for m in sink.messages if m["To"] == "watcher@example.net"]
    link = re.search(r"http://\S+/confirm/\S+/", confirm_mail.get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    page.click("button[type=submit]")
    assert "Subscription confirmed" in page.locator("h1").inner_text()
    shot(page, "status-subscribed")

    masters.post_update(master, by=staff, body="Fix deployed; monitoring.", state="monitoring")
    deliver()
    (update,) = [
        m for m in sink.messages if m["To"] == "watcher@example.net" and "Monitoring" in m["Subject"]
    ]
    assert "Fix deployed; monitoring." in update.get_body(("plain",)).get_content()
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(http[^>]+)>", str(update["List-Unsubscribe"])).group(1)
    # One click, as a mail client does it (RFC 8058): a bare POST, no cookies, no form.
    request = urllib.request.Request(  # noqa: S310 - the live server
        unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live server
        assert response.status == 200
    assert not Subscription.objects.filter(email="watcher@example.net").exists()
    page.goto(f"{live_server.url}/status/")
    page.reload()  # the page is publicly cacheable for a short while: revalidate (ETag)
    assert "Monitoring" in page.locator("[data-testid=incident]").inner_text()
    shot(page, "status-monitoring")
