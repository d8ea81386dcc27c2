"""Participants on the case pages: staff copy anyone, an MPOC copies colleagues, a copied
colleague sees that case and nothing else; other organisations' cases answer 404."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.cases import actions
from casedesk.cases.models import Participant
from tests.factories import OrganisationFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme Dental")
    dana = customer(org)
    lee = customer(org, mpoc=False)
    case = make_case(by=dana, title="Fax line dead")
    other = make_case(by=dana, title="Voicemail full")
    return {"org": org, "dana": dana, "lee": lee, "case": case, "other": other, "staff": StaffFactory()}


def test_staff_copy_a_colleague_and_an_outside_address_and_remove_them(world):
    case, lee = world["case"], world["lee"]
    client = logged_in(world["staff"])
    url = f"/console/cases/{case.number}/participants/"
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="participants"' in page and f'value="{lee.contact.pk}"' in page
    assert client.post(url, {"contact": lee.contact.pk}).status_code == 302
    assert client.post(url, {"address": "Vendor@Carrier.example.net"}).status_code == 302
    refused = client.post(url, {"address": "support@example.com"})
    assert refused.status_code == 400 and b"desk&#x27;s own" in refused.content
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert page.count('data-testid="participant"') == 2 and "vendor@carrier.example.net" in page
    row = Participant.objects.get(address="vendor@carrier.example.net")
    assert client.post(f"{url}{row.pk}/remove/").status_code == 302
    assert list(Participant.objects.values_list("contact", flat=True)) == [lee.contact.pk]


def test_an_mpoc_copies_a_colleague_and_a_copied_contact_sees_that_case_only(world):
    case, lee = world["case"], world["lee"]
    lee_client = logged_in(lee)
    assert lee_client.get(f"/portal/cases/{case.number}/").status_code == 404
    mpoc = logged_in(world["dana"])
    page = mpoc.get(f"/portal/cases/{case.number}/").content.decode()
    assert 'id="participants"' in page and 'name="address"' not in page  # outsiders: staff only
    response = mpoc.post(f"/portal/cases/{case.number}/participants/", {"contact": lee.contact.pk})
    assert response.status_code == 302
    assert mpoc.post(
        f"/portal/cases/{case.number}/participants/", {"address": "ext@carrier.example.net"}
    ).status_code in (400, 403)
    page = lee_client.get(f"/portal/cases/{case.number}/")
    assert page.status_code == 200 and b"Fax line dead" in page.content
    assert b"Remove" not in page.content  # Lee may read who is copied, not change it
    listing = lee_client.get("/portal/?state=all").content
    assert case.number.encode() in listing and world["other"].number.encode() not in listing
    assert lee_client.get(f"/portal/cases/{world['other'].number}/").status_code == 404
    row = Participant.objects.get()
    assert lee_client.post(f"/portal/cases/{case.number}/participants/{row.pk}/remove/").status_code == 403
    assert mpoc.post(f"/portal/cases/{case.number}/participants/{row.pk}/remove/").status_code == 302
    assert lee_client.get(f"/portal/cases/{case.number}/").status_code == 404


def test_another_organisations_case_answers_404_on_every_participant_route(world):
    case = world["case"]
    row = actions.add_participants(case, by=world["staff"], contacts=[world["lee"].contact])[0]
    outsider = customer(OrganisationFactory())
    client = logged_in(outsider)
    for url in (
        f"/portal/cases/{case.number}/participants/",
        f"/portal/cases/{case.number}/participants/{row.pk}/remove/",
    ):
        assert client.post(url, {"contact": outsider.contact.pk}).status_code == 404
    # a participant id of another case, on one's own case, is no participant either
    own = make_case(by=outsider)
    assert client.post(f"/portal/cases/{own.number}/participants/{row.pk}/remove/").status_code == 404
    assert Participant.objects.count() == 1


def test_an_outside_participant_with_a_login_elsewhere_sees_nothing_of_the_case(world):
    case = world["case"]
    partner = customer(OrganisationFactory(name="Partner Co"), mpoc=False)
    actions.add_participants(case, by=world["staff"], addresses=[partner.email])
    actions.add_comment(case, by=world["staff"], body="Partner copied.")  # the partner is mailed
    assert Participant.objects.get().contact is None  # an address: no colleague of Acme
    client = logged_in(partner)
    assert client.get(f"/portal/cases/{case.number}/").status_code == 404
    assert case.number.encode() not in client.get("/portal/?state=all").content
    assert client.get(f"/portal/cases/{world['other'].number}/").status_code == 404
