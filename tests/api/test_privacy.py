"""Privacy requests over the API: listed with their legal deadline for staff whose role works
them, exported as JSON, corrected, erased, extended once, answered or declined through the
console's actions; everyone else refused with the reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casedesk.accounts.models import Contact
from casedesk.outbox.models import OutboundMessage
from casedesk.privacy.models import PrivacyRequest
from tests.api.helpers import api_for
from tests.factories import (
    ContactFactory,
    ManagerFactory,
    RepresentativeFactory,
    StaffFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


def opened(email: str, kind: str = "delete", *, days_ago: int = 0, state: str = "open") -> PrivacyRequest:
    """A request whose address was proven `days_ago` (as `requests.confirm` leaves it)."""
    received = timezone.now() - timedelta(days=days_ago)
    request = PrivacyRequest.objects.create(
        kind=kind,
        email=email,
        name="Req Uester",
        state=state,
        created_at=received,
        received_at=received if state != "unverified" else None,
        due_at=received + timedelta(days=45) if state != "unverified" else None,
    )
    request.organisations.set(
        Contact.objects.filter(email__iexact=email).values_list("organisation_id", flat=True)
    )
    return request


def test_staff_with_the_privacy_permission_list_requests_soonest_deadline_first():
    late = opened("late@example.com", days_ago=40)
    fresh = opened("fresh@example.com")
    done = opened("done@example.com", state="done")
    opened("unproven@example.com", state="unverified")
    api = api_for(ManagerFactory())
    items = api.get("/privacy/requests").json()["items"]
    assert [r["number"] for r in items] == [late.number, fresh.number]
    assert items[0]["days_left"] in (4, 5) and items[1]["days_left"] in (44, 45)
    assert items[0]["kind"] == "delete" and items[0]["kind_label"] == "Delete my data"
    assert [r["number"] for r in api.get("/privacy/requests", state="done").json()["items"]] == [done.number]
    assert len(api.get("/privacy/requests", state="all").json()["items"]) == 3
    assert api.get("/privacy/requests", state="unverified").status_code == 422


def test_one_request_shows_where_the_address_is_a_contact():
    contact = ContactFactory(email="shown@example.com")
    request = opened("shown@example.com", kind="know")
    shown = api_for(ManagerFactory()).get(f"/privacy/requests/{request.pk}").json()
    assert shown["email"] == "shown@example.com" and shown["state"] == "open"
    assert shown["organisations"] == [{"id": contact.organisation_id, "name": contact.organisation.name}]
    assert shown["due_at"] is not None and shown["extensions"] == 0


def test_requests_are_refused_to_customers_and_roles_without_the_permission_and_unknown_ones_are_404():
    request = opened("x@example.com")
    for user in (customer(), RepresentativeFactory(), StaffFactory()):
        api = api_for(user)
        for path in (
            f"/privacy/requests/{request.pk}",
            "/privacy/requests",
            f"/privacy/requests/{request.pk}/export",
        ):
            response = api.get(path)
            assert response.status_code == 403 and "x@example.com" not in response.content.decode()
        refused = api.post(f"/privacy/requests/{request.pk}/erase")
        assert refused.status_code == 403 and "privacy requests" in refused.json()["detail"]
    api = api_for(ManagerFactory())
    assert api.get("/privacy/requests/999999").status_code == 404
    unproven = opened("unproven@example.com", state="unverified")
    assert api.get(f"/privacy/requests/{unproven.pk}").status_code == 404
    assert api.post(f"/privacy/requests/{unproven.pk}/erase").status_code == 404
    request.refresh_from_db()
    assert request.state == "open"


def test_the_person_s_data_exports_as_a_json_download():
    contact = ContactFactory(email="export@acme.example.com", name="Exa Porter")
    request = opened(contact.email, kind="know")
    response = api_for(ManagerFactory()).get(f"/privacy/requests/{request.pk}/export")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="{request.number}.json"'
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    assert data["contacts"][0]["name"] == "Exa Porter" and data["kept_by_law"]


def test_a_correction_changes_the_contact_records_and_needs_a_value():
    contact = ContactFactory(email="fix@example.com", name="Wrong Name")
    request = opened(contact.email, kind="correct")
    api = api_for(ManagerFactory())
    blank = api.post(f"/privacy/requests/{request.pk}/correct", {"name": " "})
    assert blank.status_code == 400 and "corrected name or phone" in blank.json()["detail"]
    assert api.post(f"/privacy/requests/{request.pk}/correct", {"email": "x@y.z"}).status_code == 422
    done = api.post(
        f"/privacy/requests/{request.pk}/correct", {"name": "Right Name", "phone": "303-555-0100"}
    )
    assert done.status_code == 200 and done.json()["contacts"] == 1
    contact.refresh_from_db()
    assert (contact.name, contact.phone) == ("Right Name", "303-555-0100")


def test_the_deadline_extends_once_with_a_reason_the_requester_is_told():
    request = opened("ext@example.com", days_ago=40)
    api = api_for(ManagerFactory())
    url = f"/privacy/requests/{request.pk}/extension"
    blank = api.post(url, {"reason": "  "})
    assert blank.status_code == 400 and "Say why" in blank.json()["detail"]
    first = api.post(url, {"reason": "We are collecting archived records."})
    assert first.status_code == 200, first.content
    assert first.json()["extensions"] == 1 and first.json()["days_left"] in (49, 50)
    told = OutboundMessage.objects.get(kind="privacy_outcome", to="ext@example.com")
    assert "archived records" in told.text
    again = api.post(url, {"reason": "More."})
    assert again.status_code == 400 and "only once" in again.json()["detail"]


def test_an_extension_after_the_deadline_is_refused():
    request = opened("past@example.com", days_ago=46)
    response = api_for(ManagerFactory()).post(f"/privacy/requests/{request.pk}/extension", {"reason": "Late"})
    assert response.status_code == 400 and "deadline has passed" in response.json()["detail"]


def test_answer_and_decline_tell_the_requester_and_close_the_request_once():
    api = api_for(ManagerFactory())
    answered = opened("answer@example.com")
    assert api.post(f"/privacy/requests/{answered.pk}/answer", {"outcome": ""}).status_code == 400
    done = api.post(f"/privacy/requests/{answered.pk}/answer", {"outcome": "Here is your data."})
    assert done.status_code == 200 and done.json()["state"] == "done" and done.json()["closed_at"]
    assert done.json()["handled_by"]["name"]
    assert OutboundMessage.objects.filter(kind="privacy_outcome", to="answer@example.com").count() == 1
    twice = api.post(f"/privacy/requests/{answered.pk}/answer", {"outcome": "Again."})
    assert twice.status_code == 400 and "already answered" in twice.json()["detail"]
    assert api.post(f"/privacy/requests/{answered.pk}/erase").status_code == 400
    assert OutboundMessage.objects.filter(kind="privacy_outcome", to="answer@example.com").count() == 1

    declined = opened("decline@example.com")
    no_reason = api.post(f"/privacy/requests/{declined.pk}/decline", {"reason": ""})
    assert no_reason.status_code == 400 and "requester is told" in no_reason.json()["detail"]
    assert api.post(f"/privacy/requests/{declined.pk}/decline", {}).status_code == 422
    refused = api.post(f"/privacy/requests/{declined.pk}/decline", {"reason": "We could not verify you."})
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert refused.json()["outcome"] == "We could not verify you."


def test_an_erasure_anonymises_the_person_and_the_api_then_shows_no_trace():
    user = customer(name="Zelda Quinterro")
    address = user.contact.email
    case = make_case(by=user, title="Fax line noisy")
    request = opened(address)
    api = api_for(ManagerFactory())
    response = api.post(f"/privacy/requests/{request.pk}/erase")
    assert response.status_code == 200 and response.json()["contacts"] == 1
    detail = api.get(f"/cases/{case.number}").json()
    assert "Zelda" not in json.dumps(detail) and address not in json.dumps(detail)
    assert api.get("/cases", q="Quinterro", state="all").json()["items"] == []
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        closed = api.post(f"/privacy/requests/{request.pk}/answer", {"outcome": "Erased."})
    assert closed.status_code == 200
