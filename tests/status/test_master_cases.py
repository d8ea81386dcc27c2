"""Master cases: three organisations' cases under one P1G, updates to the right people only,
the hourly clock with reminder and escalation, and resolution of every child."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from casedesk.cases.models import CaseEvent, Priority
from casedesk.core import clock
from casedesk.core.errors import Forbidden, Refused
from casedesk.outbox.models import OutboundMessage
from casedesk.rules.lifecycle import Status
from casedesk.rules.schedule import DENVER
from casedesk.status import masters, selectors
from casedesk.status.models import Subscription
from tests.factories import (
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    TeamFactory,
    customer,
    make_case,
)
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 2, 0, 30, tzinfo=DENVER)  # the night the clocks go back


@pytest.fixture
def world():
    voice, teams = PlatformFactory(name="Hosted Voice"), PlatformFactory(name="Teams")
    manager = ManagerFactory(email="manager@example.com")
    team = TeamFactory(manager=manager)
    staff = ManagerFactory(email="owner@example.com")
    orgs = [OrganisationFactory(name=f"Org {n}", platforms=[voice, teams]) for n in "ABC"]
    bystander = OrganisationFactory(name="Org D", platforms=[voice])
    users = [customer(org) for org in orgs]
    master_contacts = [ContactFactory(organisation=org, is_master_case_contact=True) for org in orgs]
    ContactFactory(organisation=bystander, is_master_case_contact=True)  # not affected: hears nothing
    ContactFactory(organisation=orgs[0], is_master_case_contact=False)  # not a master-case contact
    ContactFactory(organisation=orgs[1], is_master_case_contact=True, active=False)  # left the company
    with time_machine.travel(NOW, tick=False):
        cases = [make_case(by=u, title=f"No dial tone {n}", platform=voice) for n, u in enumerate(users)]
    voice.team = team
    voice.save()
    return locals()


def test_master_case_with_three_organisations_update_notices_resolve(world):
    staff, voice, teams = world["staff"], world["voice"], world["teams"]
    cases = world["cases"]
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        suggestion = selectors.master_suggestions(clock.now())
        assert [len(s.cases) for s in suggestion] == [3] and suggestion[0].platform == voice
        master = masters.promote(cases[0], by=staff, body="Investigating loss of dial tone.", impact="major")
        assert master.priority == Priority.P1G
        for child in cases[1:]:
            masters.link_child(master, child, by=staff)
        assert selectors.master_suggestions(clock.now()) == []
        incident = master.incident
        assert set(incident.organisations.values_list("name", flat=True)) == {"Org A", "Org B", "Org C"}
        sub = Subscription.objects.create(
            email="watcher@example.net", platform=teams, created_at=clock.now(), confirmed_at=clock.now()
        )
        Subscription.objects.create(
            email="unconfirmed@example.net", incident=incident, created_at=clock.now()
        )
        OutboundMessage.objects.all().delete()
        masters.post_update(
            master,
            by=staff,
            body="Carrier trunk failure identified.",
            state="identified",
            impacts={teams.pk: "degraded"},
        )
    notices = OutboundMessage.objects.filter(kind="status_incident")
    expected = {c.email for c in world["master_contacts"]} | {sub.email}
    assert set(notices.values_list("to", flat=True)) == expected
    assert notices.count() == len(expected)  # once each
    contact_copy = notices.get(to=world["master_contacts"][0].email)
    assert (
        "master-case contact of Org A" in contact_copy.text and "Carrier trunk failure" in contact_copy.text
    )
    sub_copy = notices.get(to=sub.email)
    assert (
        sub_copy.headers["List-Unsubscribe"]
        == f"<http://127.0.0.1:8000/status/subscriptions/{sub.token}/unsubscribe/>"
    )
    assert sub_copy.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/status/subscriptions/{sub.token}/" in sub_copy.text
    # Each child's timeline carries the update publicly; its page names the master case.
    # The update is a public staff answer, so a New child is now being worked on.
    for child in cases[1:]:
        assert child.events.filter(
            kind=CaseEvent.Kind.COMMENT, public=True, body__contains="Carrier trunk"
        ).exists()
        child.refresh_from_db()
        assert child.status == Status.IN_PROGRESS.value
        assert child.updated_at == NOW + timedelta(minutes=5)
    client = Client()
    client.force_login(world["users"][1])
    page = client.get(f"/portal/cases/{cases[1].number}/").content.decode()
    assert f"part of master case {master.number}" in page
    staff_client = Client()
    staff_client.force_login(staff)
    console = staff_client.get(f"/console/masters/{master.number}/")
    assert console.status_code == 200 and b'data-testid="countdown"' in console.content
    assert console.content.count(b'data-testid="child"') == 2
    # Resolve: every child moves to Resolved Follow-up Required with the final note.
    with time_machine.travel(NOW + timedelta(minutes=50), tick=False):
        response = staff_client.post(
            f"/console/masters/{master.number}/resolve/", {"note": "Trunk restored by carrier."}
        )
        assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.status == Status.RESOLVED.value
    last = cases[2].events.filter(kind=CaseEvent.Kind.STATUS).last()
    assert "Trunk restored by carrier." in last.body and master.number in last.body
    master.incident.refresh_from_db()
    assert master.incident.state == "resolved" and master.incident.next_update_due is None
    assert (
        set(
            OutboundMessage.objects.filter(
                kind="status_incident", subject__startswith="[Resolved]"
            ).values_list("to", flat=True)
        )
        == expected
    )


def test_hourly_clock_reminds_then_escalates_once(world):
    staff = world["staff"]
    with time_machine.travel(NOW, tick=False):
        master = masters.create_master(
            by=staff, title="Voice outage", body="Investigating.", platforms=[world["voice"]],
            organisations=[world["orgs"][0]],
        )  # fmt: skip
        master.team = world["team"]
        master.save()
        due = master.incident.next_update_due
        assert due == clock.now() + timedelta(hours=1)  # elapsed hour, across the change
    with time_machine.travel(due - timedelta(minutes=11), tick=False):
        assert masters.remind_and_escalate(clock.now()) == {"reminded": 0, "escalated": 0}
    with time_machine.travel(due - timedelta(minutes=9), tick=False):
        assert masters.remind_and_escalate(clock.now()) == {"reminded": 1, "escalated": 0}
        assert masters.remind_and_escalate(clock.now()) == {"reminded": 0, "escalated": 0}
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert masters.remind_and_escalate(clock.now()) == {"reminded": 0, "escalated": 1}
        assert masters.remind_and_escalate(clock.now()) == {"reminded": 0, "escalated": 0}
        assert set(OutboundMessage.objects.filter(kind="master_escalation").values_list("to", flat=True)) == {
            "owner@example.com", "manager@example.com"
        }  # fmt: skip
        assert master.events.filter(kind=CaseEvent.Kind.NOTE, body__contains="missed").count() == 1
        masters.post_update(master, by=staff, body="Still investigating.")
        master.incident.refresh_from_db()
        assert master.incident.next_update_due == clock.now() + timedelta(hours=1)
    assert OutboundMessage.objects.filter(kind="master_reminder", to="owner@example.com").count() == 1


def test_only_staff_designate_and_links_are_checked(world):
    user, staff, cases = world["users"][0], world["staff"], world["cases"]
    with pytest.raises(Forbidden):
        masters.promote(cases[0], by=user, body="x")
    with pytest.raises(Forbidden):
        masters.create_master(by=user, title="t", body="b", platforms=[world["voice"]])
    client = Client()
    client.force_login(user)
    assert client.post(f"/console/cases/{cases[0].number}/promote/", {"body": "x"}).status_code == 403
    master = masters.promote(cases[0], by=staff, body="Investigating.")
    masters.link_child(master, cases[1], by=staff)
    with pytest.raises(Refused):
        masters.link_child(master, cases[1], by=staff)
    with pytest.raises(Refused):
        masters.promote(cases[1], by=staff, body="x")
    masters.unlink_child(master, cases[1], by=staff)
    assert selectors.master_of(cases[1]) is None
    assert "Org B" not in set(master.incident.organisations.values_list("name", flat=True))
    staff_client = Client()
    staff_client.force_login(staff)
    assert staff_client.get("/console/masters/").status_code == 200
    assert staff_client.get(f"/console/masters/{cases[1].number}/").status_code == 404  # not a master
