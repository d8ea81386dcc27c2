from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases import actions
from tests.api.helpers import api_for
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


def count_queries(api, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/cases", **params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["items"])


@pytest.fixture
def busy_org():
    team = TeamFactory()
    platform = PlatformFactory(team=team)
    org = OrganisationFactory(platforms=[platform])
    user = customer(org)
    staff = StaffFactory()
    for i in range(60):
        case = make_case(by=user, title=f"Case {i}", platform=platform)
        if i % 2:
            actions.disposition(case, by=staff, priority="P3", team=team, assignee=staff)
    return user, staff


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_list_runs_a_fixed_number_of_queries_whatever_the_page_size(busy_org, who):
    user, staff = busy_org
    api = api_for(user if who == "customer" else staff)
    api.get("/cases")  # first use records last_used_at; later requests within a minute do not
    small, small_rows = count_queries(api, page_size=5)
    large, large_rows = count_queries(api, page_size=50)
    assert (small_rows, large_rows) == (5, 50)
    assert small == large
    assert large <= 10


@pytest.fixture
def opening():
    team = TeamFactory(slug="cloud")
    platform = PlatformFactory(code="hosted-voice", team=team)
    org = OrganisationFactory(platforms=[platform])
    contact = customer(org).contact
    staff = StaffFactory()
    api = api_for(staff)
    # The first use records last_used_at (later requests within a minute do not) and the
    # first case reads the calendars and policies, kept for a minute.
    assert api.post("/cases", {"title": "First", "contact_id": contact.pk}).status_code == 201
    return contact, staff, api, team


def test_opening_a_case_reads_the_token_and_contact_and_never_reads_back_what_it_wrote(opening):
    # The token with its user and role's abilities (1), the contact (1); the case, its
    # opening entry, its search document and title words (one statement on PostgreSQL, two
    # on SQLite), the contact's suppression, the acknowledgement and its thread link: 8,
    # inside the test's transaction. The response is made from the rows written, not from
    # reading them again.
    contact, _, api, _ = opening
    body = {
        "title": "Calls drop",
        "description": "After 30 seconds.",
        "contact_id": contact.pk,
        "priority": "P3",
    }
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/cases", body)
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == (8 if connection.vendor == "postgresql" else 9), "\n".join(statements)
    assert not any(sql.startswith('SELECT "accounts_staffrole"') for sql in statements)
    assert not any(sql.startswith('SELECT "cases_') for sql in statements)


@pytest.mark.parametrize("who", ["staff", "customer"])
def test_the_opened_case_is_answered_as_a_read_of_it_shows_it(opening, who):
    contact, staff, api, team = opening
    if who == "staff":
        body = {"title": "Calls drop", "contact_id": contact.pk, "priority": "P2", "team": team.slug}
        body["assignee"] = staff.email  # picked up at once: a second entry on the timeline
    else:
        api = api_for(contact.user)
        body = {"title": "Calls drop", "description": "After 30 seconds.", "platform": "hosted-voice"}
    created = api.post("/cases", body)
    assert created.status_code == 201, created.content
    shown = api.get(f"/cases/{created.json()['number']}")
    assert shown.status_code == 200
    # (Staff see the account's CPNI panel on a read of a case, not in the answer to opening it.)
    assert created.json() == {**shown.json(), "cpni": None}
    assert len(created.json()["timeline"]) == (2 if who == "staff" else 1)
