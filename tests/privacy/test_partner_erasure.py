"""An erasure reaches a partner's person everywhere they acted: their own contact and the
delegates that stand for them in each customer their partner manages. Afterwards no page,
search or API route shows their name or address, in their own organisation or any
customer's; a delegate erased alone takes the person out of that customer only."""

from __future__ import annotations

import json

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from casedesk.accounts import partners, permissions
from casedesk.accounts.models import Contact, User
from casedesk.cases import actions as case_actions
from casedesk.privacy.models import PrivacyRequest
from tests.api.helpers import api_for
from tests.factories import AdministratorFactory, ManagerFactory, OrganisationFactory, customer, make_case

pytestmark = pytest.mark.django_db
NAME = "Priya Vandersloot"
SURNAME = "Vandersloot"


def fresh(user: User) -> User:
    # Who a user acts for is kept on the user object for one request; a new one is a new request.
    return User.objects.get(pk=user.pk)


@pytest.fixture
def world():
    partner = OrganisationFactory(kind="partner", name="Northwind Partners")
    a = OrganisationFactory(name="Harbor Dental")
    b = OrganisationFactory(name="Birch Law LLP")
    mpoc_a = customer(a)
    admin = AdministratorFactory()
    person_user = customer(partner, mpoc=False, name=NAME, phone="303-555-0177")
    User.objects.filter(pk=person_user.pk).update(first_name="Priya", last_name=SURNAME)
    person_user = fresh(person_user)
    person = Contact.objects.get(user=person_user)
    for org in (a, b):
        partners.set_partner(admin, org, partner)
        partners.grant(admin, person, org, "full")
    acting = fresh(person_user)
    assert permissions.act_for(acting, a.pk)
    case_a = make_case(by=acting, title="Handsets dropping calls")
    case_actions.add_comment(case_a, by=acting, body="Checked the handsets on site.")
    acting = fresh(person_user)
    assert permissions.act_for(acting, b.pk)
    case_b = make_case(by=acting, title="Voicemail to e-mail")
    # A case of their own organisation, which support copied them on and they answered.
    colleague = customer(partner)
    own_case = make_case(by=colleague, title="Partner desk phones")
    case_actions.add_participants(own_case, by=admin, addresses=[person.email])
    case_actions.add_comment(own_case, by=fresh(person_user), body="Same here.")
    return {
        "partner": partner,
        "a": a,
        "b": b,
        "mpoc_a": mpoc_a,
        "person": person,
        "user": person_user,
        "address": person.email,
        "cases": [case_a, case_b, own_case],
    }


def request_for(address: str) -> PrivacyRequest:
    now = timezone.now()
    return PrivacyRequest.objects.create(
        kind="delete", email=address, state="open", created_at=now, received_at=now, due_at=now
    )


def shown(world, manager) -> dict[str, str]:
    """What staff and the customer see of each place the person was."""
    console = Client()
    console.force_login(manager)
    portal = Client()
    portal.force_login(world["mpoc_a"])
    api = api_for(manager)
    case_a = world["cases"][0]
    seen = {}
    for case in world["cases"]:
        seen[f"console {case.number}"] = console.get(f"/console/cases/{case.number}/").content.decode()
        seen[f"api {case.number}"] = api.get(f"/cases/{case.number}").content.decode()
    seen["portal of A"] = portal.get(f"/portal/cases/{case_a.number}/").content.decode()
    seen["portal list of A"] = portal.get("/portal/?state=all").content.decode()
    for org in (world["partner"], world["a"], world["b"]):
        seen[f"api contacts of {org.name}"] = api.get(f"/organisations/{org.pk}/contacts").content.decode()
    for term in (SURNAME, world["address"]):
        seen[f"console search {term}"] = console.get("/console/search/", {"q": term}).content.decode()
        seen[f"console contacts {term}"] = console.get("/console/contacts/", {"q": term}).content.decode()
        seen[f"api search {term}"] = json.dumps(api.get("/cases", q=term, state="all").json()["items"])
    return seen


def test_before_the_erasure_the_person_shows_in_each_organisation(world):
    seen = shown(world, ManagerFactory())
    case_a = world["cases"][0]
    assert NAME in seen[f"console {case_a.number}"] and NAME in seen[f"api {case_a.number}"]
    assert NAME in seen["portal of A"]
    assert case_a.number in seen[f"api search {SURNAME}"]
    assert all(
        NAME in seen[f"api contacts of {org.name}"] for org in (world["partner"], world["a"], world["b"])
    )


def test_erasing_the_person_anonymises_their_delegates_and_no_page_search_or_api_shows_them(world):
    manager = ManagerFactory()
    request = request_for(world["address"])
    response = api_for(manager).post(f"/privacy/requests/{request.pk}/erase")
    assert response.status_code == 200 and response.json()["contacts"] == 3  # theirs and two delegates
    erased = Contact.objects.filter(Q(pk=world["person"].pk) | Q(delegate_of=world["person"]))
    assert erased.count() == 3
    for contact in erased:
        assert contact.name.startswith("Erased person") and contact.email.endswith("@erased.invalid")
        assert not contact.active and contact.phone == "" and contact.title == ""
    assert not User.objects.get(pk=world["user"].pk).is_active
    numbers = [c.number for c in world["cases"]]
    for where, text in shown(world, manager).items():
        assert NAME not in text, where
        if " search " in where or " contacts " in where:
            # the page repeats what was searched for; what it found is what matters
            assert not any(n in text for n in numbers), where
        else:
            assert SURNAME not in text and world["address"] not in text.lower(), where
    # The cases, their numbers and the comments stay (the record of the service given).
    case_a = world["cases"][0]
    assert case_a.events.filter(body="Checked the handsets on site.").exists()


def test_erasing_a_delegate_alone_takes_the_person_out_of_that_customer_only(world):
    # The person's address changed after they were given access to A; B's access was given
    # again, so only A's delegate still carries the old address.
    person = world["person"]
    old = world["address"]
    Contact.objects.filter(pk=person.pk).update(email="priya@northwind-new.example.com")
    person.refresh_from_db()
    partners.grant(AdministratorFactory(), person, world["b"], "full")
    request = request_for(old)
    manager = ManagerFactory()
    response = api_for(manager).post(f"/privacy/requests/{request.pk}/erase")
    assert response.status_code == 200 and response.json()["contacts"] == 1
    in_a = Contact.objects.get(organisation=world["a"], delegate_of=person)
    assert in_a.name.startswith("Erased person") and not in_a.active
    person.refresh_from_db()
    assert person.name == NAME and person.active
    assert Contact.objects.get(organisation=world["b"], delegate_of=person).name == NAME
    assert User.objects.get(pk=world["user"].pk).is_active
    seen = shown(world, manager)
    case_a, case_b, _ = world["cases"]
    for where in (
        f"console {case_a.number}",
        f"api {case_a.number}",
        "portal of A",
        f"api contacts of {world['a'].name}",
    ):
        assert NAME not in seen[where], where
    assert case_a.number not in seen[f"api search {SURNAME}"]
    # Elsewhere the person is still who they were.
    assert NAME in seen[f"api {case_b.number}"] and case_b.number in seen[f"api search {SURNAME}"]


def test_erasing_the_person_reaches_a_delegate_that_still_carries_an_older_address(world):
    person = world["person"]
    Contact.objects.filter(pk=person.pk).update(email="priya@northwind-new.example.com")
    request = request_for("priya@northwind-new.example.com")
    manager = ManagerFactory()
    response = api_for(manager).post(f"/privacy/requests/{request.pk}/erase")
    assert response.status_code == 200 and response.json()["contacts"] == 3
    for where, text in shown(world, manager).items():
        assert NAME not in text, where
