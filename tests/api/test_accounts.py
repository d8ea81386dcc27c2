from __future__ import annotations

import pytest

from casedesk.accounts.models import EscalationContact
from tests.api.helpers import api_for
from tests.factories import ContactFactory, OrganisationFactory, PlatformFactory, StaffFactory, customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return api_for(StaffFactory())


def test_list_organisations_with_search_and_paging(staff):
    OrganisationFactory(name="Acme Dental", account_number="ACC-1")
    OrganisationFactory(name="Birch Law", account_number="ACC-2")
    OrganisationFactory(name="Cedar Clinic", account_number="ACC-3")
    page = staff.get("/organisations", page_size=2).json()
    assert [o["name"] for o in page["items"]] == ["Acme Dental", "Birch Law"]
    assert page["has_next"] is True
    assert [o["name"] for o in staff.get("/organisations", page=2, page_size=2).json()["items"]] == [
        "Cedar Clinic"
    ]
    assert [o["name"] for o in staff.get("/organisations", q="law").json()["items"]] == ["Birch Law"]
    assert [o["name"] for o in staff.get("/organisations", q="acc-3").json()["items"]] == ["Cedar Clinic"]


def test_organisation_detail(staff):
    voice = PlatformFactory(code="hosted-voice", name="Hosted Voice")
    org = OrganisationFactory(name="Acme Dental", platforms=[voice])
    primary = ContactFactory(
        organisation=org, name="Maria Main", is_primary_mpoc=True, is_secondary_mpoc=False
    )
    ContactFactory(organisation=org, name="Nina None", is_secondary_mpoc=False)
    EscalationContact.objects.create(organisation=org, position=1, name="Owen Owner", phone="303-555-0199")
    data = staff.get(f"/organisations/{org.pk}").json()
    assert data["name"] == "Acme Dental"
    assert data["platforms"] == [{"code": "hosted-voice", "name": "Hosted Voice"}]
    assert [c["id"] for c in data["mpocs"]] == [primary.pk]
    assert data["mpocs"][0]["roles"][0] == "Primary MPOC"
    assert data["escalation_contacts"][0]["name"] == "Owen Owner"


def test_organisation_contacts_and_contact_detail(staff):
    org = OrganisationFactory()
    user = customer(org)
    other = ContactFactory(organisation=org, name="Zed Zero", is_secondary_mpoc=False)
    ContactFactory()  # elsewhere
    data = staff.get(f"/organisations/{org.pk}/contacts").json()
    assert {c["id"] for c in data["items"]} == {user.contact.pk, other.pk}
    assert data["has_next"] is False
    detail = staff.get(f"/contacts/{other.pk}").json()
    assert detail["organisation"]["id"] == org.pk
    assert detail["is_mpoc"] is False
    assert detail["has_portal_account"] is False
    assert staff.get(f"/contacts/{user.contact.pk}").json()["has_portal_account"] is True


def test_unknown_organisation_or_contact_is_404(staff):
    assert staff.get("/organisations/999999").status_code == 404
    assert staff.get("/organisations/999999/contacts").status_code == 404
    assert staff.get("/contacts/999999").status_code == 404
    assert staff.get("/contacts/abc").status_code == 422


def test_customers_are_refused_with_a_message():
    user = customer()
    response = api_for(user).get("/organisations")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only support staff may see organisations and contacts."}
