"""Customers see their own organisation only; staff-only routes refuse them."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from casedesk.accounts.models import Contact, User
from casedesk.cases.models import CaseEvent
from casedesk.privacy.models import PrivacyRequest
from tests.api.helpers import Api, api_for
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db

CASE_ROUTES = [
    ("get", "/cases/{number}", None),
    ("post", "/cases/{number}/comments", {"body": "Hello"}),
    ("post", "/cases/{number}/transition", {"to": "in_progress"}),
    ("post", "/cases/{number}/reopen", {"note": "Please reopen"}),
    ("post", "/cases/{number}/disposition", {"priority": "P1"}),
    ("patch", "/cases/{number}", {"title": "Renamed"}),
]


# A valid body for each write route, so the walk reaches the handler's scoping.
BODIES = {
    "/cases": {"title": "Hello"},
    "/cases/{number}/comments": {"body": "Hello"},
    "/cases/{number}/transition": {"to": "in_progress"},
    "/cases/{number}/reopen": {"note": "Please"},
    "/cases/{number}/disposition": {"priority": "P1"},
    "/macd": {"title": "New hire", "changes": [{"kind": "seat", "op": "add", "details": "Pat"}]},
    "/macd/{number}/time": {"minutes": 16, "note": "Seat"},
    "/macd/{number}/extend": {"minutes": 60, "note": "Carrier"},
    "/organisations/{org_id}/inventory/preview": {
        "changes": [{"kind": "seat", "op": "delete", "key": "a@b.example"}]
    },
    "/organisations/{org_id}/inventory/changes": {
        "changes": [{"kind": "seat", "op": "delete", "key": "a@b.example"}]
    },
    "/contacts/{contact_id}/passcode": {"passcode": "Valid-Code-991"},
    "/cases/{number}/verify-caller": {"contact_id": 1, "method": "call_back"},
    "/organisations/{org_id}/verify-caller": {"contact_id": 1, "method": "call_back"},
    "/privacy/requests/{request_id}/correct": {"name": "x"},
    "/privacy/requests/{request_id}/extension": {"reason": "x"},
    "/privacy/requests/{request_id}/answer": {"outcome": "x"},
    "/privacy/requests/{request_id}/decline": {"reason": "x"},
}


def call(api: Api, method: str, path: str, body):
    if method == "patch":
        return api.patch(path, body)
    return api.get(path) if method == "get" else api.post(path, body)


@pytest.mark.parametrize(("method", "path", "body"), CASE_ROUTES)
def test_another_organisations_case_is_404_on_every_case_route(method, path, body):
    theirs = make_case(title="Private matter")
    before = CaseEvent.objects.count()
    response = call(api_for(customer()), method, path.format(number=theirs.number), body)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case."}
    assert CaseEvent.objects.count() == before


def test_another_organisations_case_is_absent_from_lists_and_search():
    theirs = make_case(title="Private matter")
    api = api_for(customer())
    assert api.get("/cases", state="all").json()["items"] == []
    assert api.get("/cases", q=theirs.number).json()["items"] == []
    assert api.get("/cases", q="Private").json()["items"] == []


def test_colleagues_share_their_organisations_cases():
    org = OrganisationFactory()
    case = make_case(by=customer(org))
    assert api_for(customer(org)).get(f"/cases/{case.number}").status_code == 200


STAFF_ONLY = [
    "/sla/deadlines?priority=P1&opened_at=2026-11-27T16:55:00-07:00",
    "/organisations",
    "/organisations/{org_id}",
    "/organisations/{org_id}/contacts",
    "/contacts/{contact_id}",
]


@pytest.mark.parametrize("path", STAFF_ONLY)
def test_staff_only_routes_refuse_customers_even_for_their_own_organisation(path):
    user = customer()
    contact = user.contact
    url = path.format(org_id=contact.organisation_id, contact_id=contact.pk)
    response = api_for(user).get(url)
    assert response.status_code in (403, 404)
    assert response.json()["detail"]


def test_every_route_in_the_schema_refuses_anonymous_and_scopes_customers():
    """Walk the OpenAPI paths: nothing answers without a token, and a customer never gets a
    200 for another organisation's case, organisation or contact."""
    theirs = make_case()
    stranger = ContactFactory()
    now = timezone.now()
    request = PrivacyRequest.objects.create(
        kind="delete", email=stranger.email, state="open", created_at=now, received_at=now, due_at=now
    )
    values = {
        "number": theirs.number,
        "org_id": stranger.organisation_id,
        "contact_id": stranger.pk,
        "request_id": request.pk,
    }
    schema = Api(None).client.get("/api/v1/openapi.json").json()
    anonymous = Api(None)
    outsider = api_for(customer())
    walked = 0
    for template, operations in schema["paths"].items():
        route = template.removeprefix("/api/v1")
        path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route)
        for method in operations:
            body = BODIES.get(route, {})
            # The phone system's webhook is signed, not token-authenticated: unsigned, refused.
            expected = 403 if route == "/calls" else 401
            assert call(anonymous, method, path, body).status_code == expected, (method, path)
            if "{" in template:
                status = call(outsider, method, path, body).status_code
                assert status in (403, 404), (method, template, status)
            walked += 1
    # 13 case and account routes, 8 of MACD requests, 5 of the inventory, calls, 7 of CPNI and
    # 8 of privacy requests.
    assert walked == 42


def test_staff_reach_every_organisation_route():
    staff = api_for(StaffFactory())
    contact = ContactFactory()
    org = contact.organisation
    assert staff.get("/organisations").status_code == 200
    assert staff.get(f"/organisations/{org.pk}").status_code == 200
    assert staff.get(f"/organisations/{org.pk}/contacts").status_code == 200
    assert staff.get(f"/contacts/{contact.pk}").status_code == 200


def test_a_contact_who_is_not_an_mpoc_lists_and_opens_only_the_cases_they_take_part_in():
    org = OrganisationFactory()
    lee, mpoc = customer(org), customer(org)
    own = make_case(by=lee, title="Lee's")
    other = make_case(by=mpoc, title="Not Lee's")
    Contact.objects.filter(user=lee).update(is_secondary_mpoc=False)  # no longer an MPOC
    api = api_for(User.objects.get(pk=lee.pk))
    assert [c["number"] for c in api.get("/cases", state="all").json()["items"]] == [own.number]
    assert api.get(f"/cases/{own.number}").status_code == 200
    assert api.get(f"/cases/{other.number}").json() == {"detail": "No such case."}
    assert api.post(f"/cases/{other.number}/comments", {"body": "hi"}).status_code == 404
    assert api.post(f"/cases/{own.number}/comments", {"body": "hi"}).status_code == 201
    refused = api.post(f"/cases/{own.number}/transition", {"to": "closed"})
    assert refused.status_code == 403 and "main points of contact" in refused.json()["detail"]


# -- partners ------------------------------------------------------------------------------


class PartnerApi(Api):
    """A partner's token, acting for `customer` (an account number) on every request."""

    def __init__(self, token: str, customer: str = "") -> None:
        super().__init__(token)
        if customer:
            self.headers["HTTP_X_CASEDESK_CUSTOMER"] = customer


def test_a_partner_with_cases_only_reaches_its_customers_cases_and_nothing_of_a_third():
    from tests.factories import partner_user

    a, b = OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "cases", b: "cases"})
    in_a, in_b = make_case(by=customer(a), title="Alder"), make_case(by=customer(b), title="Birch")
    third = make_case(title="Private matter")
    from tests.api.helpers import issue_token

    token = issue_token(user)
    every = PartnerApi(token)
    listed = {c["number"] for c in every.get("/cases", state="all").json()["items"]}
    assert {in_a.number, in_b.number} <= listed and third.number not in listed
    organisations = {c["organisation"]["id"] for c in every.get("/cases", state="all").json()["items"]}
    assert organisations == {a.pk, b.pk}  # the one queue says whose each case is
    assert every.get(f"/cases/{in_a.number}").status_code == 200  # from the one queue
    unnamed = every.post("/cases", {"title": "Whose?"})
    assert unnamed.status_code == 400 and a.account_number in unnamed.json()["detail"]
    for_a = PartnerApi(token, a.account_number)
    assert {c["number"] for c in for_a.get("/cases", state="all").json()["items"]} == {in_a.number}
    assert for_a.get(f"/cases/{in_b.number}").status_code == 404
    opened = for_a.post("/cases", {"title": "Handsets rebooting"})
    assert opened.status_code == 201 and opened.json()["organisation"]["id"] == a.pk
    # MACD requests need the full scope: refused with the scope named.
    macd = for_a.post("/macd", BODIES["/macd"])
    assert macd.status_code == 403 and "cases only" in macd.json()["detail"]
    assert for_a.get(f"/organisations/{a.pk}/inventory").status_code == 200
    for who in (every, for_a):
        for method, path, body in CASE_ROUTES:
            response = call(who, method, path.format(number=third.number), body)
            assert response.status_code == 404, (method, path)
        inventory = who.get(f"/organisations/{third.organisation_id}/inventory")
        assert inventory.status_code == 404
    assert PartnerApi(token, third.organisation.account_number).get("/cases").status_code == 404


def test_a_billing_only_partner_sees_none_of_that_customers_cases():
    from tests.api.helpers import issue_token
    from tests.factories import partner_user

    c = OrganisationFactory()
    user = partner_user({c: "billing"})
    case = make_case(by=customer(c), title="Cedar")
    token = issue_token(user)
    for who in (PartnerApi(token), PartnerApi(token, c.account_number)):
        assert case.number not in str(who.get("/cases", state="all").json())
        assert who.get(f"/cases/{case.number}").status_code == 404
