"""Opening a master case with child cases is all or nothing: a bad child number is named and
nothing is created (case, incident, public update, status page, notices)."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from casedesk.cases.models import Case, CaseEvent
from casedesk.core.errors import Refused
from casedesk.outbox.models import OutboundMessage
from casedesk.rules.schedule import DENVER
from casedesk.status import masters
from casedesk.status.models import Incident, IncidentUpdate, MasterChild, StatusVersion
from tests.factories import ContactFactory, ManagerFactory, OrganisationFactory, customer, make_case
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=DENVER)


@pytest.fixture
def world():
    voice = PlatformFactory(name="Hosted Voice")
    staff = ManagerFactory(email="owner@example.com")
    orgs = [OrganisationFactory(name=f"Org {n}", platforms=[voice]) for n in "AB"]
    for org in orgs:
        ContactFactory(organisation=org, is_master_case_contact=True)
    with time_machine.travel(NOW, tick=False):
        cases = [
            make_case(by=customer(org), title=f"No dial tone {org.name}", platform=voice) for org in orgs
        ]
    return {"voice": voice, "staff": staff, "cases": cases}


def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "incidents": Incident.objects.count(),
        "updates": IncidentUpdate.objects.count(),
        "links": MasterChild.objects.count(),
        "outbox": OutboundMessage.objects.count(),
        "status_version": sum(StatusVersion.objects.values_list("version", flat=True)),
    }


def test_a_bad_child_number_is_named_and_nothing_is_created(world):
    good = world["cases"][0].number
    before = _counts()
    with time_machine.travel(NOW, tick=False), pytest.raises(Refused) as refused:
        masters.create_master(
            by=world["staff"],
            title="Hosted Voice outage",
            body="Investigating.",
            platforms=[world["voice"]],
            children=[good, "CS-999999"],
        )
    assert "CS-999999 (no such case)" in str(refused.value)
    assert good not in str(refused.value)
    assert _counts() == before


def test_a_child_of_another_master_is_named(world):
    first, second = world["cases"]
    with time_machine.travel(NOW, tick=False):
        other = masters.create_master(
            by=world["staff"],
            title="Earlier",
            body="Investigating.",
            platforms=[world["voice"]],
            children=[first.number],
        )
        before = _counts()
        with pytest.raises(Refused) as refused:
            masters.create_master(
                by=world["staff"],
                title="Later",
                body="Investigating.",
                platforms=[world["voice"]],
                children=[second.number, first.number, other.number],
            )
    message = str(refused.value)
    assert f"{first.number} (already part of master case {other.number})" in message
    assert f"{other.number} (a master case itself)" in message
    assert second.number not in message
    assert _counts() == before


def test_good_children_are_linked_with_the_master(world):
    numbers = [c.number for c in world["cases"]]
    with time_machine.travel(NOW, tick=False):
        master = masters.create_master(
            by=world["staff"],
            title="Outage",
            body="Investigating.",
            platforms=[world["voice"]],
            children=numbers,
        )
    assert sorted(MasterChild.objects.filter(master=master).values_list("case_id", flat=True)) == sorted(
        c.pk for c in world["cases"]
    )


def test_console_form_keeps_what_was_typed_and_creates_nothing(world):
    client = Client()
    client.force_login(world["staff"])
    before = _counts()
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/console/masters/new/",
            {
                "title": "Voice outage",
                "body": "We are investigating.",
                "platforms": [str(world["voice"].pk)],
                "impact": "partial",
                "children": f"{world['cases'][0].number}, CS-424242",
            },
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "CS-424242 (no such case)" in page
    assert 'value="Voice outage"' in page and "We are investigating." in page
    assert 'value="partial" selected' in page
    assert _counts() == before
