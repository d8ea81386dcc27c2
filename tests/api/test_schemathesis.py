"""Schemathesis over the published OpenAPI document, as a customer and as staff: generated
requests (bounded, so the run stays short) get no 5xx and every answer matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from config.wsgi import application
from tests.api.helpers import issue_token
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
EXAMPLES = 30  # per operation and role
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the real WSGI handler, which closes the database connection after
    # each request (and with it the test's transaction); Django's test client keeps it the
    # same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens():
    platform = PlatformFactory(code="voice", team=TeamFactory(slug="voice-ops"))
    user = customer(OrganisationFactory(platforms=[platform]))
    make_case(by=user, platform=platform)
    return {"customer": issue_token(user), "staff": issue_token(StaffFactory(is_superuser=True))}


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_no_server_error_and_no_schema_violation(tokens, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
