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
