"""On PostgreSQL, the look-ups a filtered queue makes are answered by an index, whatever the
case the agent typed: an organisation by its name or account number."""

from __future__ import annotations

import pytest
from django.db import connection

from casedesk.accounts.selectors import organisations_named
from tests.factories import OrganisationFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


def plan_of(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())


@pytest.mark.parametrize("ref", ["acme telecom", "ACME-1001"])
def test_an_organisation_named_in_any_case_is_found_by_an_index(ref):
    OrganisationFactory(name="Acme Telecom", account_number="ACME-1001")
    plan = plan_of(organisations_named(ref))
    assert "organisation_name_upper" in plan and "organisation_number_upper" in plan, plan
