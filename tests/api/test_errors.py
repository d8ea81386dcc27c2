"""Every refusal is JSON a person can read; bad input is never a server error."""

from __future__ import annotations

import pytest

from casedesk.cases.models import Case
from tests.api.helpers import api_for
from tests.factories import customer, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_user():
    return customer()


@pytest.fixture
def alice(alice_user):
    return api_for(alice_user)


def test_unknown_field_is_422_naming_it(alice):
    response = alice.post("/cases", {"title": "Phones down", "priorty": "P1"})
    assert response.status_code == 422
    data = response.json()
    assert "priorty" in data["detail"]
    assert data["errors"][0]["loc"][-1] == "priorty"
    assert data["errors"][0]["type"] == "extra_forbidden"
    assert not Case.objects.exists()


def test_unknown_field_on_every_write_route_is_422(alice, alice_user):
    case = make_case(by=alice_user)
    for path in ("comments", "transition", "reopen", "disposition"):
        response = alice.post(f"/cases/{case.number}/{path}", {"body": "x", "to": "closed", "sneaky": 1})
        assert response.status_code == 422, path
        assert "sneaky" in response.json()["detail"]


def test_missing_field_is_422_with_a_readable_message(alice):
    response = alice.post("/cases", {"description": "no title"})
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid: title: Field required."


def test_wrong_type_is_422(alice):
    response = alice.post("/cases", {"title": ["a", "list"]})
    assert response.status_code == 422
    assert "title" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"title": "Phones down",', "not valid JSON"),
        ("title=Phones+down", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        ('["a", "list"]', "JSON object"),
        ('"just a string"', "JSON object"),
        ("null", "JSON object"),
    ],
)
def test_malformed_body_is_400_not_500(alice, body, says):
    response = alice.post("/cases", raw=body)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert says in response.json()["detail"]


def test_empty_body_is_422_for_required_fields(alice):
    response = alice.post("/cases", raw="")
    assert response.status_code == 422
    assert (
        response.json()["detail"] == "The request is not valid: request body (a JSON object): Field required."
    )


def test_refusals_map_to_their_status_code(alice):
    assert alice.get("/cases/CS-424242").status_code == 404
    assert alice.get("/organisations").status_code == 403
    assert alice.post("/cases", {"title": "x", "platform": "nope"}).status_code == 400


@pytest.mark.parametrize("path", ["/cases?q=trunk&page=298332297571988272054272", "/cases?page=100001"])
def test_a_page_beyond_the_last_possible_is_422_not_500(alice, path):
    """A page number too large for the database's integers is refused by the schema."""
    response = alice.get(path)
    assert response.status_code == 422, response.content[:300]
