"""An MPOC sees their own organisation's figures, and only theirs."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from casedesk.cases import actions
from casedesk.reporting import upkeep
from tests.factories import OrganisationFactory, StaffFactory, customer, make_case
from tests.reporting.test_figures import desk, mt  # noqa: F401 - the hand-built history

pytestmark = pytest.mark.django_db


def page_for(user) -> str:
    client = Client()
    client.force_login(user)
    with time_machine.travel(mt(2026, 11, 30, 12, 0), tick=False):
        response = client.get("/portal/reports/", {"organisation": "1"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_mpoc_sees_their_organisations_months(desk):  # noqa: F811
    other = customer(OrganisationFactory(name="Bravo Freight"))
    with time_machine.travel(mt(2026, 11, 25, 9, 0), tick=False):
        for _ in range(5):
            actions.add_comment(make_case(by=other), by=StaffFactory(), body="Hello")
    upkeep.advance()
    mine = page_for(desk["client"])
    assert "Reports for Acme Dental" in mine and "Bravo Freight" not in mine
    assert (
        '<td data-label="Month">Nov 2026</td><td data-label="Opened">3</td><td data-label="Resolved">1</td>'
        in mine
    )
    assert "33.3% of 3" in mine
    theirs = page_for(other)
    assert '<td data-label="Opened">5</td>' in theirs and "Acme Dental" not in theirs


def test_a_contact_who_is_no_mpoc_is_refused():
    client = Client()
    client.force_login(customer(mpoc=False))
    assert client.get("/portal/reports/").status_code == 403
