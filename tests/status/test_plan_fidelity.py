"""Maintenance as the plan has it (SPEC section 8): unscheduled work outside business hours
unless a reason is recorded, no-impact kinds that leave the page green, each kind's notices
from its policy (data staff can change), a recurring no-impact window listed once."""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps
from django.test import Client

from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.outbox.models import OutboundMessage
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status import maintenance
from casedesk.status.models import (
    MaintenanceKind,
    MaintenanceWindow,
    OccurrenceState,
)
from tests.factories import StaffFactory, UserFactory
from tests.status.helpers import PlatformFactory, monthly, org_with

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 9, tzinfo=DENVER)  # a Monday morning, inside business hours
NOTE = "Maintenance in progress, no impact expected"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=DENVER)


def sweep() -> dict:
    return maintenance.advance_maintenance(clock.now())


def window(kind: str, platforms, **kw) -> MaintenanceWindow:
    rule, start, end = schedule.PLAN_RULES[kind]
    values = {
        "by": None,
        "kind": kind,
        "title": MaintenanceKind(kind).label,
        "platforms": platforms,
        "description": "Work on the platform.",
        "justification": "Keeps it supported.",
        "rrule": rule,
        "first_day": date(2025, 3, 1),
        "start_time": start,
        "end_time": end,
    }
    values.update(kw)
    return maintenance.create_window(**values)


def notices() -> list[tuple[str, str]]:
    """(notice, window title) for every maintenance mail sent, in order."""
    found = []
    for kind, subject in OutboundMessage.objects.order_by("id").values_list("kind", "subject"):
        title = subject.split(": ", 1)[1].rsplit(" (", 1)[0]  # "Title (<when>)"
        found.append((kind.removeprefix("maintenance_"), title))
    return found


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def voice():
    return PlatformFactory(name="Hosted Voice", code="voice")


# --- 1. unscheduled maintenance: best effort outside 05:00-23:00 MT ----------------------


@time_machine.travel(NOW, tick=False)
def test_unscheduled_inside_business_hours_needs_a_reason_and_its_notices_give_it(voice):
    _, contact = org_with(voice, is_maintenance_contact=True)
    day = {"first_day": date(2025, 3, 10)}
    for start, end in [(time(13, 30), time(15)), (time(22, 30), time(23, 30)), (time(4), time(6))]:
        with pytest.raises(Refused, match=r"05:00-23:00 MT.*because"):
            window(MaintenanceKind.UNSCHEDULED, [voice], start_time=start, end_time=end, **day)
        with pytest.raises(Refused, match="because"):
            window(
                MaintenanceKind.UNSCHEDULED, [voice], start_time=start, end_time=end,
                business_hours_reason="  ", **day,
            )  # fmt: skip
    assert not MaintenanceWindow.objects.exists() and not OutboundMessage.objects.exists()

    quiet = window(MaintenanceKind.UNSCHEDULED, [voice], title="Router swap tonight", **day)
    assert (quiet.start_time, quiet.end_time, quiet.business_hours_reason) == (time(23), time(5), "")
    busy = window(
        MaintenanceKind.UNSCHEDULED, [voice], title="Line card swap", start_time=time(13, 30),
        end_time=time(15), business_hours_reason="the line card is failing and calls drop now", **day,
    )  # fmt: skip
    busy.refresh_from_db()
    assert busy.business_hours_reason == "the line card is failing and calls drop now"
    texts = {m.subject.rsplit(" (", 1)[0]: m.text for m in OutboundMessage.objects.filter(to=contact.email)}
    busy_text = texts["Unscheduled maintenance: Line card swap"]
    assert "During business hours, because" in busy_text
    assert "the line card is failing and calls drop now" in busy_text
    assert "During business hours" not in texts["Unscheduled maintenance: Router swap tonight"]
    # Other kinds keep their plan's hours (the monthly 22:00-04:00) without a reason.
    assert monthly([voice]).business_hours_reason == ""
    # Moving an unscheduled occurrence into business hours needs the reason as well.
    occ = quiet.occurrences.get()
    with pytest.raises(Refused, match="because"):
        maintenance.reschedule(occ, by=None, start=at(2025, 3, 10, 20), end=at(2025, 3, 10, 22))
    maintenance.reschedule(
        occ, by=None, start=at(2025, 3, 10, 20), end=at(2025, 3, 10, 22), business_hours_reason="parts"
    )
    quiet.refresh_from_db()
    assert quiet.business_hours_reason == "parts"


def test_console_defaults_unscheduled_to_the_next_23_00_and_asks_why_inside_business_hours(
    staff_client, voice
):
    def initial(page: str, name: str) -> str:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        return re.search(r'value="([^"]*)"', tag).group(1)

    with time_machine.travel(NOW, tick=False):
        page = staff_client.get("/console/maintenance/new/?kind=unscheduled").content.decode()
        assert (initial(page, "first_day"), initial(page, "start_time")) == ("2025-03-10", "23:00")
        assert '<option value="unscheduled" selected>' in page
        assert "05:00-23:00</td>" not in page  # the plan table no longer offers business hours
        assert "During business hours, because" in page
    with time_machine.travel(at(2025, 3, 10, 23, 30), tick=False):
        page = staff_client.get("/console/maintenance/new/?kind=unscheduled").content.decode()
        assert (initial(page, "first_day"), initial(page, "start_time")) == ("2025-03-11", "23:00")
    with time_machine.travel(NOW, tick=False):
        values = {
            "kind": "unscheduled", "title": "Line card swap", "platforms": [voice.pk],
            "description": "Replace a line card.", "justification": "Hardware fault.",
            "impact": "partial", "first_day": "2025-03-10", "start_time": "13:30", "end_time": "15:00",
            "recurrence": "plan", "notify_completion": "on",
        }  # fmt: skip
        refused = staff_client.post("/console/maintenance/new/", values)
        assert refused.status_code == 400 and "05:00-23:00 MT" in refused.content.decode()
        assert not MaintenanceWindow.objects.exists()
        values["business_hours_reason"] = "calls are dropping now"
        assert staff_client.post("/console/maintenance/new/", values).status_code == 302
        entered = MaintenanceWindow.objects.get()
        assert entered.business_hours_reason == "calls are dropping now"
        detail = staff_client.get(f"/console/maintenance/{entered.pk}/").content.decode()
        assert "calls are dropping now" in detail


# --- 2. no-impact kinds have no impact ---------------------------------------------------


def test_each_kind_defaults_its_impact_and_no_impact_windows_leave_the_page_green(staff_client, voice):
    teams = PlatformFactory(name="Teams", code="teams")
    with time_machine.travel(NOW, tick=False):
        first_days = {
            MaintenanceKind.MONTHLY: date(2025, 3, 1),
            MaintenanceKind.CERTIFICATE: date(2025, 3, 1),
            MaintenanceKind.PLATFORM_UPDATE: date(2025, 3, 11),
            MaintenanceKind.ONE_OFF: date(2025, 3, 11),
        }
        made = {kind: window(kind, [voice], first_day=day) for kind, day in first_days.items()}
        made["unscheduled"] = window(MaintenanceKind.UNSCHEDULED, [voice], first_day=date(2025, 3, 10))
        chosen = window(
            MaintenanceKind.ONE_OFF, [teams], title="Carrier cut-over", impact="partial",
            first_day=date(2025, 3, 20),
        )  # fmt: skip
    assert {k: w.impact for k, w in made.items()} == {
        "monthly": "maintenance",
        "certificate": "operational",
        "platform_update": "operational",
        "one_off": "maintenance",
        "unscheduled": "maintenance",
    }
    assert chosen.impact == "partial"
    for moment, quiet in [
        (at(2025, 3, 11, 21, 30), True),  # the platform update alone
        (at(2025, 3, 11, 22, 30), False),  # and the one-off (brief interruptions) with it
        (at(2025, 3, 14, 0, 10), True),  # the certificate update
    ]:
        with time_machine.travel(moment, tick=False):
            sweep()
            summary = Client().get("/status/summary.json").json()
            rows = {p["code"]: p for p in summary["platforms"]}
            if not quiet:  # an impacting window still turns its platform amber, with no note
                assert summary["status"]["indicator"] == rows["voice"]["status"] == "maintenance"
                assert rows["voice"]["note"] == ""
                continue
            live = MaintenanceWindow.objects.filter(occurrences__state=OccurrenceState.IN_PROGRESS)
            assert {w.kind for w in live} <= {"platform_update", "certificate"} and live
            assert summary["status"] == {"indicator": "operational", "description": "Operational"}
            assert rows["voice"]["status"] == "operational" and rows["voice"]["note"] == NOTE
            assert rows["teams"]["note"] == ""
            (now_on,) = summary["maintenance"]["in_progress"]
            assert now_on["impact"] == "operational" and now_on["expected_impact"] == "No customer impact"
            page = Client().get("/status/").content.decode()
            assert "All systems operational" in page and NOTE in page
            # Past days' bars aside, nothing says maintenance.
            now_shown = re.sub(r'<div class="bar-days".*?</div>', "", page, flags=re.S)
            assert 'class="impact impact-maintenance"' not in now_shown
            assert "Under maintenance" not in now_shown
            console = staff_client.get("/console/maintenance/").content.decode()
            in_progress = console.split('data-testid="in-progress"')[1].split("</section>")[0]
            assert "no impact expected" in in_progress


# --- 3. notices per kind, as the plan lists them ------------------------------------------


def test_each_kind_sends_the_notices_the_plan_lists(voice):
    org_with(voice, is_maintenance_contact=True)
    with time_machine.travel(at(2025, 3, 1, 9), tick=False):
        monthly([voice], title="Monthly")  # third Friday: 21 March 22:00-04:00
        window(MaintenanceKind.PLATFORM_UPDATE, [voice], title="Sprint", first_day=date(2025, 3, 4))
        window(
            MaintenanceKind.PLATFORM_UPDATE, [voice], title="Sprint, announced", first_day=date(2025, 3, 4),
            notify_start=True, notify_completion=True,
        )  # fmt: skip
        window(MaintenanceKind.CERTIFICATE, [voice], title="Certificates")
        assert notices() == []
    steps = [
        (at(2025, 3, 3, 21, 1), [("reminder", "Sprint"), ("reminder", "Sprint, announced")]),  # 24 h
        (at(2025, 3, 4, 21, 1), [("started", "Sprint, announced")]),
        (at(2025, 3, 4, 23, 1), [("completed", "Sprint, announced")]),
        (at(2025, 3, 7, 0, 10), []),  # a certificate update: nothing
        (at(2025, 3, 14, 22, 1), [("reminder", "Monthly")]),  # a week before
        (at(2025, 3, 21, 22, 1), [("started", "Monthly")]),
        (at(2025, 3, 22, 4, 1), [("completed", "Monthly")]),
    ]
    seen = 0
    for moment, expected in steps:
        with time_machine.travel(moment, tick=False):
            sweep()
            sweep()
        assert sorted(notices()[seen:]) == expected, moment
        seen = len(notices())
    with time_machine.travel(at(2025, 3, 10, 13), tick=False):
        window(MaintenanceKind.UNSCHEDULED, [voice], title="Router", first_day=date(2025, 3, 10))
        assert notices()[seen:] == [("announced", "Router")]  # at once
    for moment, expected in [
        (at(2025, 3, 10, 23, 1), []),
        (at(2025, 3, 11, 5, 1), [("completed", "Router")]),
    ]:
        with time_machine.travel(moment, tick=False):
            sweep()
        assert notices()[seen + 1 :] == expected
    assert not [n for n in notices() if n[1] == "Certificates"]


def test_kind_policies_are_seeded_data_staff_change_in_the_admin(voice):
    from casedesk.status.models import MaintenanceKindPolicy

    seeded = importlib.import_module("casedesk.status.migrations.0002_plan_fidelity")
    MaintenanceKindPolicy.objects.all().delete()
    seeded.seed(apps, None)
    rows = {p.kind: p for p in MaintenanceKindPolicy.objects.all()}
    assert set(rows) == set(MaintenanceKind.values)
    for kind, plan in schedule.PLAN.items():
        row = rows[kind]
        assert (row.default_impact, row.reminder_lead, row.announce_on_entry) == (
            plan.impact,
            plan.reminder,
            plan.at_once,
        )
        assert (row.notify_start, row.notify_completion, row.quiet_hours) == (
            plan.at_start,
            plan.at_completion,
            plan.quiet_hours,
        )
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert admin.get("/admin/status/maintenancekindpolicy/").status_code == 200
    assert admin.get("/admin/status/maintenancekindpolicy/add/").status_code == 403
    row = rows["platform_update"]
    change = f"/admin/status/maintenancekindpolicy/{row.pk}/change/"
    assert b'name="reminder_lead"' in admin.get(change).content
    response = admin.post(
        change,
        {"default_impact": "operational", "reminder_lead": "2 00:00:00", "notify_completion": "on"},
    )
    assert response.status_code == 302, response.content.decode()[-800:]
    row.refresh_from_db()
    assert row.reminder_lead == timedelta(days=2) and row.notify_completion and not row.notify_start
    assert admin.post(f"/admin/status/maintenancekindpolicy/{row.pk}/delete/").status_code == 403

    org_with(voice, is_maintenance_contact=True)
    with time_machine.travel(at(2025, 3, 1, 9), tick=False):
        sprint = window(MaintenanceKind.PLATFORM_UPDATE, [voice], title="Sprint", first_day=date(2025, 3, 4))
    assert (sprint.notify_start, sprint.notify_completion) == (False, True)  # the new default
    with time_machine.travel(at(2025, 3, 2, 21, 1), tick=False):  # two days before
        sweep()
    assert notices() == [("reminder", "Sprint")]


def test_console_form_takes_notices_and_impact_from_the_kind(staff_client, voice):
    with time_machine.travel(NOW, tick=False):
        page = staff_client.get("/console/maintenance/new/?kind=platform_update").content.decode()
        assert 'name="notify_start"' in page
        assert not re.search(r'name="notify_(start|completion)"[^>]* checked', page)
        assert re.search(r'<option value="operational" selected>No customer impact', page)
        page = staff_client.get("/console/maintenance/new/?kind=monthly").content.decode()
        assert re.search(r'<input type="checkbox" name="notify_start"[^>]* checked', page)
        assert re.search(r'<option value="maintenance" selected>Brief interruptions possible', page)
        values = {
            "kind": "platform_update", "title": "Sprint", "platforms": [voice.pk],
            "description": "Release.", "justification": "Fixes.", "impact": "operational",
            "first_day": "2025-03-11", "start_time": "21:00", "end_time": "23:00", "recurrence": "plan",
            "notify_start": "on",
        }  # fmt: skip
        assert staff_client.post("/console/maintenance/new/", values).status_code == 302
        sprint = MaintenanceWindow.objects.get()
        assert (sprint.impact, sprint.notify_start, sprint.notify_completion) == ("operational", True, False)
        detail = staff_client.get(f"/console/maintenance/{sprint.pk}/").content.decode()
        assert "24 hours before" in detail and "when each occurrence begins" in detail
        assert "No customer impact" in detail


# --- 4. a recurring no-impact window is listed once -------------------------------------


@time_machine.travel(NOW, tick=False)
def test_public_page_lists_a_recurring_no_impact_window_once(voice):
    window(MaintenanceKind.CERTIFICATE, [voice], title="Certificate update")
    window(MaintenanceKind.PLATFORM_UPDATE, [voice], title="Portal and platform update",
           first_day=date(2025, 3, 11))  # fmt: skip
    monthly([voice])
    page = Client().get("/status/").content.decode()
    assert page.count("Certificate update: Fridays 00:00-00:30 MT, no customer impact") == 1
    assert page.count("Portal and platform update: every 3 weeks on Tuesday 21:00-23:00 MT") == 1
    cards = re.findall(r'<article class="card maintenance".*?</article>', page, re.S)
    assert [c for c in cards if "Monthly scheduled maintenance" in c]  # impacting windows keep cards
    assert not [c for c in cards if "Certificate update" in c or "platform update" in c]
    assert "next Fri 14 Mar 2025, 00:00" in page
