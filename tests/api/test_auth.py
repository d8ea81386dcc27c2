from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from casedesk.api.models import ApiToken, digest
from tests.api.helpers import Api, issue_token
from tests.factories import ContactFactory, StaffFactory, UserFactory, customer

pytestmark = pytest.mark.django_db


def test_issue_token_prints_only_the_raw_token_and_stores_its_digest():
    user = customer()
    raw = issue_token(user, "--name", "billing sync", "--days", "30")
    assert raw.startswith("cdk_")
    assert "\n" not in raw
    token = ApiToken.objects.get(user=user)
    assert token.key_digest == digest(raw)
    assert raw not in (token.key_digest, token.prefix)
    assert raw.startswith(token.prefix)
    assert token.name == "billing sync"
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_issue_token_expires_in_90_days_by_default_and_matches_email_case_insensitively():
    user = StaffFactory(email="Agent.Smith@example.com")
    out = StringIO()
    call_command("api_token", "agent.smith@EXAMPLE.com", stdout=out)
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None
    assert 89 <= (token.expires_at - token.created_at).days <= 90
    assert Api(out.getvalue().strip()).get("/cases").status_code == 200


def test_issue_token_for_unknown_email_is_a_clear_command_error():
    with pytest.raises(CommandError, match=r"nobody@example\.com"):
        call_command("api_token", "nobody@example.com")
    assert not ApiToken.objects.exists()


def test_issue_token_refuses_bad_days():
    user = StaffFactory()
    with pytest.raises(CommandError, match="--days"):
        call_command("api_token", user.email, "--days", "0")


def test_valid_token_authenticates():
    raw = issue_token(customer())
    response = Api(raw).get("/cases")
    assert response.status_code == 200
    assert response.json() == {"items": [], "page": 1, "has_next": False}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer cdk_not-a-real-token", "Token abc", "Basic dXNlcjpwYXNz"],
)
def test_missing_or_wrong_token_is_401_json(header):
    issue_token(customer())
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/api/v1/cases", **extra)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_refused():
    raw = issue_token(customer())
    ApiToken.objects.update(revoked=True)
    response = Api(raw).get("/cases")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_token_is_refused():
    raw = issue_token(customer(), "--days", "1")
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = Api(raw).get("/cases")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_inactive_user_is_refused():
    user = customer()
    raw = issue_token(user)
    user.is_active = False
    user.save()
    response = Api(raw).get("/cases")
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


def test_account_that_is_neither_staff_nor_contact_is_forbidden():
    raw = issue_token(UserFactory())
    response = Api(raw).get("/cases")
    assert response.status_code == 403
    assert "neither" in response.json()["detail"]


def test_customer_whose_contact_was_deactivated_is_forbidden():
    user = UserFactory()
    ContactFactory(user=user, email=user.email, active=False)
    response = Api(issue_token(user)).get("/cases")
    assert response.status_code == 403


def test_last_used_at_is_written_at_most_once_a_minute():
    raw = issue_token(customer())
    api = Api(raw)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("/cases")
    first = ApiToken.objects.get().last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api.get("/cases")
    assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/cases")
    assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=61)


def test_openapi_schema_is_served_and_names_path_parameters():
    response = Api(None).client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases/{number}/transition" in paths
    assert "/api/v1/organisations/{org_id}/contacts" in paths
    assert "/api/v1/contacts/{contact_id}" in paths
    assert response.json()["components"]["securitySchemes"]


@pytest.mark.parametrize("holds", [True, False])
def test_a_staff_roles_abilities_come_with_the_token_as_its_row_holds_them(holds):
    # The token's look-up reads the role's row too: an ability taken from the role in the
    # admin is refused at once, one left is allowed.
    from casedesk.accounts.models import StaffRole

    row = StaffRole.objects.get(key="technician")
    if not holds:
        row.abilities = [a for a in row.abilities if a != "open_for_caller"]
        row.save()
    contact = customer().contact
    api = Api(issue_token(StaffFactory()))
    response = api.post("/cases", {"title": "Calls drop", "contact_id": contact.pk})
    assert response.status_code == (201 if holds else 403), response.content
