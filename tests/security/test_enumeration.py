"""Enumeration: a customer's case filters and the password reset tell known addresses from
unknown ones by nothing: not the answer, not the work done to give it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import api_for
from tests.factories import StaffFactory, TeamFactory, customer, make_case

pytestmark = pytest.mark.django_db


def test_a_customers_assignee_and_team_filters_answer_alike_for_staff_and_strangers():
    user = customer()
    make_case(by=user)
    staff, team = StaffFactory(), TeamFactory(slug="voice-ops")
    api = api_for(user)
    answers = [
        api.get("/cases", assignee=staff.email),
        api.get("/cases", assignee="nobody@example.org"),
        api.get("/cases", assignee=str(staff.pk)),
        api.get("/cases", team=team.slug),
        api.get("/cases", team="no-such-team"),
        api.get("/cases"),
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1  # ignored, so the customer's own list each time


def test_staff_still_hear_about_unknown_filters():
    api = api_for(StaffFactory())
    assert api.get("/cases", assignee="nobody@example.org").status_code == 400
    assert api.get("/cases", team="no-such-team").status_code == 400


def _reset_queries(address: str, client_address: str) -> list[str]:
    client = Client(REMOTE_ADDR=client_address)
    with CaptureQueriesContext(connection) as queries:
        answer = client.post("/password/reset/", {"email": address})
    assert answer.status_code == 302
    return [q["sql"] for q in queries.captured_queries]


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses():
    known = customer()
    inactive = customer()
    inactive.is_active = False
    inactive.save()
    work = [
        _reset_queries(known.email, "10.1.0.1"),
        _reset_queries("stranger@example.org", "10.1.0.2"),
        _reset_queries(inactive.email, "10.1.0.3"),
    ]
    assert len(work[0]) == len(work[1]) == len(work[2])
    # No query reads the accounts on the request path: the sweep does that later.
    assert not [sql for sql in work[0] if "accounts_user" in sql]
