"""Escalation along the published path, the paths page, the SLA report and preview API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from casedesk.api.models import ApiToken, digest
from casedesk.cases import actions
from casedesk.core.errors import Refused
from casedesk.escalation import actions as escalation
from casedesk.outbox.models import OutboundMessage
from tests.factories import ManagerFactory, StaffFactory, TeamFactory, customer, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_customer_escalates_level_by_level_and_on_call_only_in_its_hours():
    user = customer()
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=MT), tick=False):  # Tuesday, day
        case = make_case(by=user)
        client = logged_in(user)
        response = client.post(f"/portal/cases/{case.number}/escalate/", {"reason": "No answer yet"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.escalation_level == 1
        # The desk is its own intake: its people are told, and this case has none yet.
        assert not OutboundMessage.objects.filter(kind="escalation").exists()
        case, _ = escalation.escalate(case, by=user)  # network operations is for legacy customers
        assert case.escalation_level == 3
        case, reached = escalation.escalate(case, by=user)  # on-call is off in the day: skipped
        assert case.escalation_level == 5 and [lv.role for lv in reached] == ["NOC manager"]
    event = case.events.filter(kind="escalation").first()
    assert event.public and "Support desk" in event.body and "No answer yet" in event.body
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "Escalated to level 1: Support desk." in page


def test_night_escalation_reaches_the_on_call_manager_and_stops_at_the_top():
    user = customer()
    with time_machine.travel(datetime(2026, 11, 24, 22, 0, tzinfo=MT), tick=False):  # Tuesday night
        case = make_case(by=user)
        for _ in range(3):  # the desk, the platform managers, on call
            case, reached = escalation.escalate(case, by=user)
        assert [lv.role for lv in reached] == ["On-call manager"]
        for _ in range(3):  # the NOC manager, the VP, the CEO
            case, _ = escalation.escalate(case, by=user)
        with pytest.raises(Refused, match="highest level"):
            escalation.escalate(case, by=user)


def test_platform_managers_not_yet_linked_to_their_teams_all_hear_of_it():
    user = customer()
    case = make_case(by=user)
    for _ in range(2):
        case, reached = escalation.escalate(case, by=user)
    assert case.escalation_level == 3
    assert len(reached) == 3 and all("platform support manager" in lv.role for lv in reached)


def test_escalation_is_refused_on_another_organisations_case_and_on_closed_cases():
    staff = StaffFactory()
    case = make_case()
    other = customer()
    assert logged_in(other).post(f"/portal/cases/{case.number}/escalate/").status_code == 404
    actions.transition(case, to="closed", by=staff, resolution="done")
    response = logged_in(staff).post(f"/console/cases/{case.number}/escalate/")
    assert response.status_code == 400 and b"reopen" in response.content


def test_escalation_paths_page_lists_every_path():
    page = logged_in(customer()).get("/portal/escalation/").content.decode()
    for text in ("Support", "Billing", "Implementation", "Client success", "Sales", "On-call manager", "CEO"):
        assert text in page


def test_sla_report_with_chart_and_csv():
    staff = ManagerFactory()
    team = TeamFactory(name="Cloud")
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=MT), tick=False):
        on_time = make_case()
        actions.disposition(on_time, by=staff, priority="P2", team=team, assignee=staff)
        late = make_case()
        actions.disposition(late, by=staff, priority="P2", team=team, assignee=staff)
    with time_machine.travel(datetime(2026, 11, 24, 9, 10, tzinfo=MT), tick=False):
        actions.add_comment(on_time, by=staff, body="On it")
    with time_machine.travel(datetime(2026, 11, 24, 9, 45, tzinfo=MT), tick=False):
        actions.add_comment(late, by=staff, body="Sorry for the wait")
    client = logged_in(staff)
    page = client.get("/console/reports/sla/?start=2026-11-01&end=2026-11-30").content.decode()
    assert "<svg" in page and "50.0%" in page and "Priority 2 · Cloud" in page
    csv = client.get("/console/reports/sla/?start=2026-11-01&end=2026-11-30&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "P2,Cloud,2,1,50.0" in csv.content.decode()
    assert logged_in(customer()).get("/console/reports/sla/").status_code == 403


def test_breaching_soon_queue():
    staff = StaffFactory()
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=MT), tick=False):
        urgent = make_case()
        actions.disposition(urgent, by=staff, priority="P1", team=None, assignee=staff)
        calm = make_case()
        page = logged_in(staff).get("/console/queue/soon/").content.decode()
    assert urgent.number in page and calm.number not in page


def test_console_reply_waiting_on_customer_pauses_and_shows_the_close_time():
    staff = StaffFactory()
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=MT), tick=False):
        case = make_case()
        logged_in(staff).post(
            f"/console/cases/{case.number}/comment/", {"body": "Please send a trace", "asks_customer": "on"}
        )
        page = logged_in(staff).get(f"/console/cases/{case.number}/").content.decode()
    assert "Closes if no reply" in page and "Wed 25 Nov 2026, 10:00" in page and "paused" in page


def test_deadline_preview_api():
    staff = StaffFactory()
    raw = ApiToken.new_raw()
    ApiToken.objects.create(
        user=staff, key_digest=digest(raw), prefix=raw[:8], created_at=datetime.now(tz=MT)
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get(
        "/api/v1/sla/deadlines", {"priority": "P4", "opened_at": "2027-01-15T16:55:00-07:00"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["initial_response_due"] == "2027-01-19T16:55:00-07:00"
    assert body["first_update_due"] == "2027-01-21T16:55:00-07:00"
    bad = client.get("/api/v1/sla/deadlines", {"priority": "P9", "opened_at": "2027-01-15T16:55:00-07:00"})
    assert bad.status_code == 422
    naive = client.get("/api/v1/sla/deadlines", {"priority": "P1", "opened_at": "2027-01-15T16:55:00"})
    assert naive.status_code == 400 and "offset" in naive.json()["detail"]
