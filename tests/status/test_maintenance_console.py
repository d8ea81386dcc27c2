"""Console pages for maintenance windows and status webhooks: thin pages over the status
actions. Every kind can be entered; refusals are 400 pages that change nothing; notices go
out once; customers are kept out."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.test import Client

from casedesk.outbox.models import OutboundMessage
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status.models import (
    MaintenanceKind,
    MaintenanceOccurrence,
    MaintenanceWindow,
    OccurrenceState,
    Subscription,
)
from tests.factories import StaffFactory, UserFactory, customer
from tests.status.helpers import PlatformFactory, monthly, org_with, sent_to

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 9, tzinfo=DENVER)  # a Monday morning


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def voice():
    return PlatformFactory(name="Hosted Voice")


def form(platform, **kw) -> dict:
    kind = kw.get("kind", MaintenanceKind.MONTHLY)
    _, start, end = schedule.PLAN_RULES.get(kind, schedule.PLAN_RULES["monthly"])
    values = {
        "kind": kind,
        "title": f"Window: {kind}",
        "platforms": [platform.pk],
        "description": "Firmware patches.",
        "justification": "Vendor security fixes.",
        "expected_impact": "Calls may drop once.",
        "impact": "maintenance",
        "first_day": "2025-03-10",
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "recurrence": "plan",
        "custom_rrule": "",
        "until": "",
    }
    values.update(kw)
    return values


def local_days(window: MaintenanceWindow) -> list[date]:
    return [o.start.astimezone(DENVER).date() for o in window.occurrences.order_by("start")]


@time_machine.travel(NOW, tick=False)
def test_each_kind_is_entered_through_the_pages_with_its_occurrences(staff_client, voice):
    _, contact = org_with(voice, is_maintenance_contact=True)
    assert staff_client.get("/console/maintenance/new/").status_code == 200
    expected = {
        MaintenanceKind.MONTHLY: {"first_day": "2025-03-10"},
        MaintenanceKind.CERTIFICATE: {"first_day": "2025-03-14"},
        MaintenanceKind.PLATFORM_UPDATE: {"first_day": "2025-03-11"},
        MaintenanceKind.ONE_OFF: {"first_day": "2025-03-20"},
        MaintenanceKind.UNSCHEDULED: {"first_day": "2025-03-10"},
    }
    for kind, extra in expected.items():
        response = staff_client.post("/console/maintenance/new/", form(voice, kind=kind, **extra))
        assert response.status_code == 302, (kind, response.content.decode()[-600:])
        window = MaintenanceWindow.objects.get(kind=kind)
        assert response["Location"] == f"/console/maintenance/{window.pk}/"
        page = staff_client.get(response["Location"]).content.decode()
        assert window.title in page and page.count('data-testid="occurrence"') == window.occurrences.count()
    by_kind = {w.kind: w for w in MaintenanceWindow.objects.all()}
    assert local_days(by_kind["monthly"]) == [date(2025, 3, 21), date(2025, 4, 18)]
    assert by_kind["monthly"].rrule == schedule.MONTHLY_THIRD_FRIDAY
    assert local_days(by_kind["certificate"])[:2] == [date(2025, 3, 14), date(2025, 3, 21)]
    assert local_days(by_kind["platform_update"])[:3] == [
        date(2025, 3, 11),
        date(2025, 4, 1),
        date(2025, 4, 22),
    ]
    assert local_days(by_kind["one_off"]) == [date(2025, 3, 20)]
    # Crosses midnight: 22:00 to 04:00 the next morning.
    first = by_kind["monthly"].occurrences.order_by("start").first()
    assert first.end.astimezone(DENVER) == datetime(2025, 3, 22, 4, tzinfo=DENVER)
    # Unscheduled maintenance (by default from 23:00 tonight) was announced at once.
    assert by_kind["unscheduled"].occurrences.get().state == OccurrenceState.SCHEDULED
    assert sent_to("maintenance_announced") == [contact.email]
    assert not OutboundMessage.objects.exclude(kind="maintenance_announced").filter(kind__startswith="maint")

    listing = staff_client.get("/console/maintenance/").content.decode()
    assert listing.count('data-testid="window"') == 5
    assert "The third Friday of every month" in listing and "Every 3 weeks on Tuesday" in listing
    assert "Fri 21 Mar 2025, 22:00" in listing  # the next occurrences, with their state
    assert "Hosted Voice" in listing and 'href="/console/maintenance/"' in listing  # nav link


@time_machine.travel(NOW, tick=False)
def test_refusals_are_400_pages_with_the_reason_and_create_nothing(staff_client, voice):
    cases = [
        ({"recurrence": "custom", "custom_rrule": "FREQ=FORTNIGHTLY"}, "Not a recurrence rule"),
        ({"recurrence": "custom", "custom_rrule": "FREQ=WEEKLY;UNTIL=nonsense"}, "Not a recurrence rule"),
        ({"recurrence": "custom", "custom_rrule": ""}, "Give the custom rule"),
        ({"recurrence": "custom", "custom_rrule": "DTSTART=20250101;FREQ=DAILY"}, "first day separately"),
        ({"recurrence": "custom", "custom_rrule": "FREQ=MINUTELY"}, "at most hourly"),
        ({"kind": "unscheduled", "recurrence": schedule.MONTHLY_THIRD_FRIDAY}, "do not recur"),
        ({"until": "2025-03-01"}, "before the first day"),
        ({"platforms": []}, "Products affected"),
        ({"kind": "weekly-ish"}, "Kind"),
        ({"justification": " "}, "Justification"),
    ]
    for values, reason in cases:
        response = staff_client.post("/console/maintenance/new/", form(voice, **values))
        assert response.status_code == 400, values
        assert reason in response.content.decode(), (values, reason)
    assert not MaintenanceWindow.objects.exists()
    response = staff_client.post(
        "/console/maintenance/new/",
        form(voice, recurrence="custom", custom_rrule="RRULE:FREQ=WEEKLY;BYDAY=SA"),
    )
    assert response.status_code == 302
    window = MaintenanceWindow.objects.get()
    assert window.rrule == "FREQ=WEEKLY;BYDAY=SA" and local_days(window)[0] == date(2025, 3, 15)


def test_cancel_reschedule_follow_up_send_their_notices_once(staff_client, voice):
    _, contact = org_with(voice, is_maintenance_contact=True)
    with time_machine.travel(NOW, tick=False):
        window = monthly([voice], by=None)
        first, second = window.occurrences.order_by("start")
        base = f"/console/maintenance/{window.pk}/occurrences"
        # No state change on GET.
        for url in (
            f"{base}/{first.pk}/cancel/",
            f"{base}/{first.pk}/reschedule/",
            f"{base}/{first.pk}/follow-up/",
            f"/console/maintenance/{window.pk}/cancel/",
        ):
            assert staff_client.get(url).status_code == 405
        assert not OutboundMessage.objects.exists()

        moved = staff_client.post(
            f"{base}/{first.pk}/reschedule/", {"start": "2025-03-28T22:00", "end": "2025-03-29T03:00"}
        )
        assert moved.status_code == 302
        first.refresh_from_db()
        assert first.moved and first.start == datetime(2025, 3, 28, 22, tzinfo=DENVER)
        assert sent_to("maintenance_rescheduled") == [contact.email]
        # Refused moves (a double submit too) change nothing.
        for values, reason in [
            ({"start": "2025-03-28T22:00", "end": "2025-03-29T03:00"}, "already at that time"),
            ({"start": "2025-03-28T22:00", "end": "2025-03-28T21:00"}, "end must be after the start"),
            ({"start": "2025-03-01T22:00", "end": "2025-03-02T01:00"}, "in the past"),
            ({"start": "soon"}, "Give the new start and end"),
        ]:
            response = staff_client.post(f"{base}/{first.pk}/reschedule/", values)
            assert response.status_code == 400 and reason in response.content.decode()
        assert sent_to("maintenance_rescheduled") == [contact.email]

        assert staff_client.post(f"{base}/{second.pk}/cancel/").status_code == 302
        again = staff_client.post(f"{base}/{second.pk}/cancel/")
        assert again.status_code == 400 and "can no longer be cancelled" in again.content.decode()
        assert sent_to("maintenance_cancelled") == [contact.email]
        assert staff_client.post(f"{base}/{second.pk}/follow-up/", {"text": "x"}).status_code == 400

        assert staff_client.post(f"{base}/{first.pk}/follow-up/", {"text": " "}).status_code == 400
        done = staff_client.post(f"{base}/{first.pk}/follow-up/", {"text": "Patched 14 switches."})
        assert done.status_code == 302
        again = staff_client.post(f"{base}/{first.pk}/follow-up/", {"text": "Patched 14 switches."})
        assert again.status_code == 400 and "sent already" in again.content.decode()
        assert sent_to("maintenance_follow_up") == [contact.email]
        assert "Patched 14 switches." in OutboundMessage.objects.get(kind="maintenance_follow_up").text
        page = staff_client.get(f"/console/maintenance/{window.pk}/").content.decode()
        assert "Patched 14 switches." in page and "moved from Fri 21 Mar 2025, 22:00" in page

        # An occurrence of another window is not found under this one.
        other = monthly([voice], by=None, title="Other")
        stray = other.occurrences.first()
        assert staff_client.post(f"{base}/{stray.pk}/cancel/").status_code == 404

        # Cancelling the window tells about the scheduled occurrence left, once.
        assert staff_client.post(f"/console/maintenance/{window.pk}/cancel/").status_code == 302
        again = staff_client.post(f"/console/maintenance/{window.pk}/cancel/")
        assert again.status_code == 400 and "already cancelled" in again.content.decode()
    assert sent_to("maintenance_cancelled") == [contact.email, contact.email]
    assert set(window.occurrences.values_list("state", flat=True)) == {"cancelled"}


def test_forms_need_the_csrf_token(voice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())
    with time_machine.travel(NOW, tick=False):
        page = client.get("/console/maintenance/new/").content.decode()
        assert "csrfmiddlewaretoken" in page
        assert client.post("/console/maintenance/new/", form(voice)).status_code == 403
        window = monthly([voice], by=None)
        occ = window.occurrences.first()
        detail = client.get(f"/console/maintenance/{window.pk}/").content.decode()
        assert detail.count("csrfmiddlewaretoken") >= 4
        assert (
            client.post(f"/console/maintenance/{window.pk}/occurrences/{occ.pk}/cancel/").status_code == 403
        )
    assert MaintenanceWindow.objects.count() == 1
    assert MaintenanceOccurrence.objects.filter(state="cancelled").count() == 0


def test_customers_get_403_everywhere_and_change_nothing(voice):
    with time_machine.travel(NOW, tick=False):
        window = monthly([voice], by=None)
    occ = window.occurrences.first()
    hook = Subscription.objects.create(
        channel="webhook", url="https://93.184.216.34/h", platform=voice, created_at=NOW, confirmed_at=NOW
    )
    client = Client()
    client.force_login(customer())
    base = f"/console/maintenance/{window.pk}"
    for url in [
        "/console/maintenance/",
        "/console/maintenance/new/",
        f"{base}/",
        "/console/maintenance/webhooks/",
    ]:
        assert client.get(url).status_code == 403, url
    posts = {
        "/console/maintenance/new/": form(voice),
        f"{base}/cancel/": {},
        f"{base}/occurrences/{occ.pk}/cancel/": {},
        f"{base}/occurrences/{occ.pk}/reschedule/": {"start": "2025-04-01T22:00", "end": "2025-04-02T01:00"},
        f"{base}/occurrences/{occ.pk}/follow-up/": {"text": "x"},
        "/console/maintenance/webhooks/add/": {"url": "https://93.184.216.34/x", "platform": "all"},
        f"/console/maintenance/webhooks/{hook.pk}/remove/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert b"Maintenance" not in client.get("/portal/").content.split(b"<main>")[0]  # no console nav
    assert MaintenanceWindow.objects.count() == 1 and not window.occurrences.exclude(state="scheduled")
    assert Subscription.objects.count() == 1 and not OutboundMessage.objects.exists()


def test_webhooks_added_for_all_platforms_secret_shown_once_private_refused_removed(staff_client, voice):
    teams = PlatformFactory(name="Teams")
    page = staff_client.get("/console/maintenance/webhooks/")
    assert page.status_code == 200 and b"No webhooks." in page.content
    for url in (
        "http://127.0.0.1:8080/hook",
        "https://10.1.2.3/hook",
        "http://[::1]/hook",
        "https://169.254.169.254/",
    ):
        refused = staff_client.post("/console/maintenance/webhooks/add/", {"url": url, "platform": "all"})
        assert refused.status_code == 400 and b"not a public address" in refused.content, url
    refused = staff_client.post(
        "/console/maintenance/webhooks/add/", {"url": "ftp://x.example/", "platform": "all"}
    )
    assert refused.status_code == 400
    assert not Subscription.objects.exists()

    added = staff_client.post(
        "/console/maintenance/webhooks/add/", {"url": "https://93.184.216.34/hook", "platform": "all"}
    )
    assert added.status_code == 200 and added["Cache-Control"] == "private, no-store"
    hooks = list(Subscription.objects.order_by("platform__name"))
    assert [h.platform for h in hooks] == [voice, teams] and len({h.secret for h in hooks}) == 1
    assert hooks[0].secret in added.content.decode()
    listing = staff_client.get("/console/maintenance/webhooks/").content.decode()
    assert "93.184.216.34" in listing and hooks[0].secret not in listing  # shown once only
    one = staff_client.post(
        "/console/maintenance/webhooks/add/", {"url": "https://93.184.216.34/v", "platform": str(voice.pk)}
    )
    assert one.status_code == 200 and Subscription.objects.filter(url__endswith="/v").get().platform == voice

    assert staff_client.post(f"/console/maintenance/webhooks/{hooks[0].pk}/remove/").status_code == 302
    assert not Subscription.objects.filter(pk=hooks[0].pk).exists()
    assert staff_client.post(f"/console/maintenance/webhooks/{hooks[0].pk}/remove/").status_code == 404


def test_admin_lists_status_models_read_only_with_console_links(voice):
    with time_machine.travel(NOW, tick=False):
        window = monthly([voice], by=None)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in (
        "maintenancewindow",
        "maintenanceoccurrence",
        "incident",
        "incidentupdate",
        "subscription",
        "webhookdelivery",
    ):
        response = client.get(f"/admin/status/{model}/?q=x")
        assert response.status_code == 200, model
        assert client.get(f"/admin/status/{model}/add/").status_code == 403, model
    listing = client.get("/admin/status/maintenancewindow/").content.decode()
    assert f'href="/console/maintenance/{window.pk}/"' in listing
    detail = client.get(f"/admin/status/maintenancewindow/{window.pk}/change/")
    assert detail.status_code == 200 and b'name="title"' not in detail.content  # nothing to edit
    assert client.post(f"/admin/status/maintenancewindow/{window.pk}/delete/").status_code == 403
    assert MaintenanceWindow.objects.filter(pk=window.pk, cancelled=False).exists()
