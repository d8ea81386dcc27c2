"""CPNI over the API: passcodes (primary MPOC or staff, hashed, never returned, the address
of record told), caller verification (the passcode checked here, rate limited), the case
detail's CPNI only while a verification holds (each showing logged), the disclosure log."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.utils import timezone

from casedesk.accounts.models import StaffRole
from casedesk.inventory.models import Item
from casedesk.outbox.models import OutboundMessage
from casedesk.privacy import actions
from casedesk.privacy.models import Disclosure, Passcode, Verification
from tests.api.helpers import api_for
from tests.factories import (
    BillingFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    RepresentativeFactory,
    StaffFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
CODE = "Tulip-Harbor-42"
NUMBER = "+13035550188"
ADDRESS = "12 Elm Street, Denver CO"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the passcode's failure counts live in the cache
    yield
    cache.clear()


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme Dental Group", account_number="ACC-90001")
    primary_user = customer(org, mpoc=False, is_primary_mpoc=True, name="Dana Ortiz")
    primary = primary_user.contact
    now = timezone.now()
    Item.objects.create(
        organisation=org,
        kind="number",
        key=NUMBER,
        number=NUMBER,
        service_address=ADDRESS,
        created_at=now,
        updated_at=now,
    )
    Item.objects.create(
        organisation=org,
        kind="device",
        key="AA:BB:CC:00:11:22",
        model="Poly VVX 450",
        created_at=now,
        updated_at=now,
    )
    secondary = customer(org)
    case = make_case(by=secondary, title="Phones down")
    rep = RepresentativeFactory()
    actions.set_passcode(rep, primary.pk, CODE)
    OutboundMessage.objects.all().delete()
    return {
        "org": org,
        "primary": primary,
        "primary_user": primary_user,
        "secondary": secondary,
        "case": case,
        "rep": rep,
    }


def without_cpni():
    """A technician whose role was changed not to see CPNI (roles are data)."""
    row = StaffRole.objects.get(key="technician")
    row.abilities = [a for a in row.abilities if a != "view_cpni"]
    row.save()
    return StaffFactory()


def verify(api, case, contact, **body):
    return api.post(f"/cases/{case.number}/verify-caller", {"contact_id": contact.pk, **body})


# -- passcodes -------------------------------------------------------------------------------


def test_the_primary_mpoc_sets_a_passcode_hashed_never_returned_and_the_address_of_record_is_told(world):
    response = api_for(world["primary_user"]).post(
        f"/contacts/{world['primary'].pk}/passcode", {"passcode": "Fresh-Meadow-73"}
    )
    assert response.status_code == 200, response.content
    assert "Fresh-Meadow-73" not in response.content.decode()
    assert response.json()["contact"] == {
        "id": world["primary"].pk,
        "name": "Dana Ortiz",
        "is_primary_mpoc": True,
        "has_passcode": True,
    }
    stored = Passcode.objects.get(contact=world["primary"])
    assert check_password("Fresh-Meadow-73", stored.hashed) and "Fresh-Meadow-73" not in stored.hashed
    notice = OutboundMessage.objects.get(kind="account_change")
    assert notice.to == world["primary"].email
    assert all("Fresh-Meadow-73" not in body for body in (notice.subject, notice.text, notice.html))


def test_staff_whose_role_sees_cpni_reset_a_passcode(world):
    response = api_for(world["rep"]).post(
        f"/contacts/{world['primary'].pk}/passcode", {"passcode": "Quiet-River-58"}
    )
    assert response.status_code == 200
    assert check_password("Quiet-River-58", Passcode.objects.get(contact=world["primary"]).hashed)
    assert OutboundMessage.objects.filter(kind="account_change").exists()


def test_who_may_not_set_a_passcode_is_refused_and_says_why(world):
    url = f"/contacts/{world['primary'].pk}/passcode"
    body = {"passcode": "Other-Harbor-91"}
    secondary = api_for(world["secondary"]).post(url, body)
    assert secondary.status_code == 403 and "primary MPOC" in secondary.json()["detail"]
    billing = api_for(BillingFactory()).post(url, body)
    assert billing.status_code == 403
    stranger = api_for(customer()).post(url, body)  # another organisation's contact: absent
    assert stranger.status_code == 404
    assert check_password(CODE, Passcode.objects.get(contact=world["primary"]).hashed)


def test_a_passcode_against_the_policy_is_refused_with_the_reason(world):
    api = api_for(world["primary_user"])
    url = f"/contacts/{world['primary'].pk}/passcode"
    for bad, why in (
        ("12345", "at least 6"),
        ("123456", "run of characters"),
        ("aaaaaaa", "one character repeated"),
        ("ACC-90001x", "account number"),
    ):
        response = api.post(url, {"passcode": bad})
        assert response.status_code == 400 and why in response.json()["detail"], (bad, response.json())
    assert api.post(url, {"passcode": "Fine-Code-77", "hashed": "x"}).status_code == 422
    assert api.post(url, {}).status_code == 422
    plain = ContactFactory(organisation=world["org"], is_secondary_mpoc=False)  # not authorised
    assert api.post(f"/contacts/{plain.pk}/passcode", {"passcode": "Fine-Code-77"}).status_code == 404
    assert check_password(CODE, Passcode.objects.get(contact=world["primary"]).hashed)


def test_the_passcode_list_shows_who_has_one_never_the_passcode(world):
    url = f"/organisations/{world['org'].pk}/passcodes"
    mine = api_for(world["secondary"]).get(url)
    assert mine.status_code == 200
    rows = {r["id"]: r for r in mine.json()["contacts"]}
    assert rows[world["primary"].pk]["has_passcode"] is True
    assert rows[world["secondary"].contact.pk]["has_passcode"] is False
    assert mine.json()["may_set"] is False
    assert api_for(world["primary_user"]).get(url).json()["may_set"] is True
    assert api_for(world["rep"]).get(url).status_code == 200
    assert api_for(customer()).get(url).status_code == 404
    assert api_for(BillingFactory()).get(url).status_code == 403


# -- verification and the case's CPNI ----------------------------------------------------------


def test_the_case_detail_shows_no_cpni_until_the_caller_is_verified(world):
    api = api_for(world["rep"])
    detail = api.get(f"/cases/{world['case'].number}").json()
    assert detail["cpni"]["verified"] is False and detail["cpni"]["data"] is None
    assert world["primary"].pk in {c["id"] for c in detail["cpni"]["authorised_contacts"]}
    text = json.dumps(detail)
    assert NUMBER not in text and ADDRESS not in text and "Poly VVX 450" not in text
    assert not Disclosure.objects.exists()


def test_after_a_passcode_verification_the_case_detail_shows_cpni_and_logs_each_showing(world):
    api = api_for(world["rep"])
    response = verify(api, world["case"], world["primary"], method="passcode", passcode=CODE)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["method"] == "passcode" and made["case"] == world["case"].number
    assert made["contact"]["name"] == "Dana Ortiz"
    detail = api.get(f"/cases/{world['case'].number}").json()
    data = detail["cpni"]["data"]
    assert detail["cpni"]["verified"] is True
    assert data["numbers"][0]["number"] == NUMBER and data["service_addresses"] == [ADDRESS]
    assert data["inventory"][0]["model"] == "Poly VVX 450"
    entry = Disclosure.objects.get()
    assert entry.by == world["rep"] and entry.case == world["case"] and entry.action == "view"
    assert {"numbers", "service_addresses"} <= set(entry.fields)
    assert "Dana Ortiz" in entry.reason and "passcode" in entry.reason
    api.get(f"/cases/{world['case'].number}")
    assert Disclosure.objects.count() == 2  # every showing is logged


def test_the_verification_is_the_staff_member_s_own_and_lasts_the_call(world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        api = api_for(world["rep"])
        assert verify(api, world["case"], world["primary"], method="call_back").status_code == 201
        assert NUMBER in api.get(f"/cases/{world['case'].number}").content.decode()
        other = api_for(RepresentativeFactory()).get(f"/cases/{world['case'].number}")
        assert NUMBER not in other.content.decode() and other.json()["cpni"]["verified"] is False
        traveller.shift(timedelta(minutes=61))
        later = api.get(f"/cases/{world['case'].number}")
        assert NUMBER not in later.content.decode() and later.json()["cpni"]["data"] is None


def test_customers_and_roles_without_the_permission_get_no_cpni_block(world):
    for user in (world["secondary"], without_cpni()):
        detail = api_for(user).get(f"/cases/{world['case'].number}").json()
        assert detail["cpni"] is None and NUMBER not in json.dumps(detail)


def test_a_wrong_passcode_is_refused_and_then_rate_limited(world):
    api = api_for(world["rep"])
    for _ in range(5):
        wrong = verify(api, world["case"], world["primary"], method="passcode", passcode="wrong-guess-1")
        assert wrong.status_code == 400 and "not right" in wrong.json()["detail"]
    limited = verify(api, world["case"], world["primary"], method="passcode", passcode=CODE)
    assert limited.status_code == 429 and "call" in limited.json()["detail"].lower()
    assert not Verification.objects.exists()
    assert api.get(f"/cases/{world['case'].number}").json()["cpni"]["data"] is None
    # the call-back stays open
    assert verify(api, world["case"], world["primary"], method="call_back").status_code == 201


def test_verification_is_refused_with_reasons(world):
    api = api_for(world["rep"])
    case = world["case"]
    assert verify(api, case, world["primary"], method="telepathy").status_code == 422
    assert api.post(f"/cases/{case.number}/verify-caller", {"method": "call_back"}).status_code == 422
    plain = ContactFactory(organisation=world["org"], is_secondary_mpoc=False)
    refused = verify(api, case, plain, method="call_back")
    assert refused.status_code == 400 and "authorised contact" in refused.json()["detail"]
    outsider = ContactFactory(is_primary_mpoc=True, is_secondary_mpoc=False)  # another organisation's
    assert verify(api, case, outsider, method="call_back").status_code == 400
    nobody = ContactFactory(organisation=world["org"], is_secondary_mpoc=True)
    no_code = verify(api, case, nobody, method="passcode", passcode="whatever-1")
    assert no_code.status_code == 400 and "no support passcode" in no_code.json()["detail"]
    role = verify(api_for(without_cpni()), case, world["primary"], method="call_back")
    assert role.status_code == 403 and "CPNI" in role.json()["detail"]
    own = verify(api_for(world["secondary"]), case, world["primary"], method="call_back")
    assert own.status_code == 403 and "staff" in own.json()["detail"]
    foreign = verify(api_for(customer()), case, world["primary"], method="call_back")
    assert foreign.status_code == 404
    assert not Verification.objects.exists()


def test_a_caller_about_no_case_is_verified_for_the_organisation(world):
    api = api_for(world["rep"])
    url = f"/organisations/{world['org'].pk}"
    before = api.get(f"{url}/cpni").json()
    assert before["verified"] is False and before["data"] is None
    made = api.post(
        f"{url}/verify-caller", {"contact_id": world["primary"].pk, "method": "passcode", "passcode": CODE}
    )
    assert made.status_code == 201 and made.json()["case"] is None
    shown = api.get(f"{url}/cpni").json()
    assert shown["data"]["numbers"][0]["number"] == NUMBER
    entry = Disclosure.objects.get()
    assert entry.case is None and entry.organisation == world["org"]
    # the verification covers the organisation, so its cases show CPNI too (as on the page)
    assert NUMBER in api.get(f"/cases/{world['case'].number}").content.decode()
    assert api_for(BillingFactory()).get(f"{url}/cpni").status_code == 403
    assert api_for(world["secondary"]).get(f"{url}/cpni").status_code == 403
    assert (
        api_for(world["secondary"])
        .post(f"{url}/verify-caller", {"contact_id": 1, "method": "call_back"})
        .status_code
        == 403
    )
    assert api.get("/organisations/999999/cpni").status_code == 404


# -- the disclosure log ----------------------------------------------------------------------


def _logged(world):
    api = api_for(world["rep"])
    verify(api, world["case"], world["primary"], method="call_back")
    api.get(f"/cases/{world['case'].number}")
    other_org = OrganisationFactory(name="Birch Law LLP")
    other_mpoc = ContactFactory(organisation=other_org, name="Bea Birch")
    other_rep = RepresentativeFactory()
    other_case = make_case(by=customer(other_org))
    actions.verify_caller(other_rep, other_case, contact_id=other_mpoc.pk, method="call_back")
    api_for(other_rep).get(f"/cases/{other_case.number}")
    return other_org, other_rep, other_case


def test_the_disclosure_log_lists_and_filters_by_organisation_staff_member_words_and_period(world):
    other_org, _, other_case = _logged(world)
    api = api_for(ManagerFactory())
    every = api.get("/cpni/disclosures").json()["items"]
    assert [r["case"] for r in every] == [other_case.number, world["case"].number]  # newest first
    mine = every[1]
    assert mine["organisation"]["name"] == "Acme Dental Group" and mine["account_number"] == "ACC-90001"
    assert mine["by"]["id"] == world["rep"].pk and mine["action"] == "view"
    assert "numbers" in mine["fields"] and "Dana Ortiz" in mine["reason"]
    by_org = api.get("/cpni/disclosures", organisation=other_org.pk).json()["items"]
    assert [r["case"] for r in by_org] == [other_case.number]
    by_staff = api.get("/cpni/disclosures", by=world["rep"].pk).json()["items"]
    assert [r["case"] for r in by_staff] == [world["case"].number]
    assert [r["case"] for r in api.get("/cpni/disclosures", q="Acme").json()["items"]] == [
        world["case"].number
    ]
    today = timezone.localdate()
    assert len(api.get("/cpni/disclosures", since=str(today), until=str(today)).json()["items"]) == 2
    tomorrow = today + timedelta(days=1)
    assert api.get("/cpni/disclosures", since=str(tomorrow)).json()["items"] == []
    bad = api.get("/cpni/disclosures", since="yesterday")
    assert bad.status_code == 422 and "since" in bad.json()["detail"]
    assert api.get("/cpni/disclosures", page_size=1).json()["has_next"] is True


def test_the_disclosure_log_exports_csv_with_the_same_filters(world):
    _logged(world)
    response = api_for(ManagerFactory()).get("/cpni/disclosures/export", q="Acme")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "at (UTC)" and len(rows) == 2
    assert rows[1][3] == "Acme Dental Group" and rows[1][5] == world["case"].number


def test_the_disclosure_log_is_refused_to_customers_and_roles_without_the_privacy_permission(world):
    _logged(world)
    for user, code, words in (
        (world["secondary"], 403, "staff"),
        (world["rep"], 403, "disclosure log"),
        (BillingFactory(), 403, "disclosure log"),
        (StaffFactory(), 403, "disclosure log"),
    ):
        for path in ("/cpni/disclosures", "/cpni/disclosures/export"):
            response = api_for(user).get(path)
            assert response.status_code == code, (user, path)
            assert words in response.json()["detail"], response.json()
            assert "Acme" not in response.content.decode()
