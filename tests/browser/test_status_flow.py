"""The network status page in a real browser: an incident and a maintenance window shown;
subscribe, confirm by the emailed link, receive an update, unsubscribe with one click; the
plan's maintenance on the page and in the console, on a laptop and a phone."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta

import pytest

from casedesk.core import clock
from casedesk.outbox import delivery as outbox
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status import maintenance, masters, versions
from casedesk.status.models import MaintenanceKind, Subscription
from casedesk.statuspage import pages
from tests.browser.test_case_flow import login
from tests.factories import ManagerFactory, PlatformFactory, StaffFactory
from tests.mail.smtp_sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


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


def test_the_plans_maintenance_on_the_status_page_and_the_console_at_two_widths(
    live_server, browser, shot, sink
):
    """The plan's schedule as a customer and a technician see it, on a laptop and a phone: a
    platform update in progress leaves everything operational with a note, the weekly
    certificate update is one line, the monthly maintenance keeps its card."""
    voice = PlatformFactory(name="Hosted Voice", code="voice")
    teams = PlatformFactory(name="Teams", code="teams")
    staff = StaffFactory()
    now = clock.now().astimezone(DENVER)
    began = now - timedelta(minutes=20)

    def plan_window(kind, title, platforms, **kw):
        rule, start, end = schedule.PLAN_RULES[kind]
        values = {"rrule": rule, "first_day": now.date(), "start_time": start, "end_time": end, **kw}
        return maintenance.create_window(
            by=staff, kind=kind, title=title, platforms=platforms, description="Planned work.",
            justification="Keeps the platforms supported.", **values,
        )  # fmt: skip

    # From tomorrow: tonight's occurrence, were it the third Friday, would turn the page amber.
    plan_window(MaintenanceKind.MONTHLY, "Monthly scheduled maintenance", [voice, teams],
                first_day=now.date() + timedelta(days=1),
                expected_impact="A call in progress may drop once.")  # fmt: skip
    plan_window(MaintenanceKind.CERTIFICATE, "Certificate update", [voice])
    plan_window(MaintenanceKind.ONE_OFF, "Core switch firmware", [voice], rrule="",
                first_day=now.date() + timedelta(days=3))  # fmt: skip
    # A platform update under way now (the plan's Tuesday evening, moved to today's clock).
    plan_window(
        MaintenanceKind.PLATFORM_UPDATE, "Portal and platform update", [voice, teams],
        rrule=f"FREQ=WEEKLY;INTERVAL=3;BYDAY={DAYS[began.weekday()]}", first_day=began.date(),
        start_time=began.time().replace(second=0, microsecond=0),
        end_time=(now + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )  # fmt: skip
    maintenance.advance_maintenance(clock.now())

    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{live_server.url}/status/")
        assert page.locator("[data-testid=overall]").inner_text() == "All systems operational"
        for code in ("voice", "teams"):
            row = page.locator(f"[data-testid=platform-{code}]")
            assert row.locator("[data-testid=impact]").inner_text() == "Operational"
            assert row.locator("[data-testid=maintenance-note]").inner_text() == (
                "Maintenance in progress, no impact expected"
            )
        regular = page.locator("[data-testid=regular-window]").all_inner_texts()
        assert [line.split(" ·")[0] for line in regular if line.startswith("Certificate")] == [
            "Certificate update: Fridays 00:00-00:30 MT, no customer impact"
        ]
        cards = page.locator("[data-testid=maintenance]").all_inner_texts()
        assert any("Core switch firmware" in c and "Brief interruptions possible" in c for c in cards)
        assert not any("Certificate update" in c or "platform update" in c for c in cards)
        shot(page, f"maintenance-status-{width}")

        login(page, live_server.url, staff.email)
        page.goto(f"{live_server.url}/console/maintenance/")
        in_progress = page.locator("[data-testid=in-progress]").inner_text()
        assert "Portal and platform update" in in_progress and "no impact expected" in in_progress
        shot(page, f"maintenance-console-{width}")
        page.goto(f"{live_server.url}/console/maintenance/new/?kind=unscheduled")
        assert page.locator("#id_start_time").input_value() == "23:00"
        shot(page, f"maintenance-unscheduled-form-{width}")
        page.context.close()
