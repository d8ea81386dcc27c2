"""CPNI: a caller is verified before the case page shows account details, each showing is
logged, and account changes are told to the address of record without the changed data."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casedesk.inventory.models import Item
from casedesk.outbox.models import OutboundMessage
from casedesk.privacy import actions
from casedesk.privacy.models import Disclosure, Passcode
from tests.factories import (
    BillingFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    RepresentativeFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
CODE = "Tulip-Harbor-42"


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme Dental Group", account_number="ACC-90001")
    primary = ContactFactory(
        organisation=org, is_primary_mpoc=True, is_secondary_mpoc=False, name="Dana Ortiz"
    )
    now = timezone.now()
    Item.objects.create(
        organisation=org,
        kind="number",
        key="+13035550188",
        number="+13035550188",
        service_address="12 Elm Street, Denver CO",
        created_at=now,
        updated_at=now,
    )
    Item.objects.create(
        organisation=org,
        kind="device",
        key="AA:BB:CC:00:11:22",
        model="Poly VVX 450",
        service_address="12 Elm Street, Denver CO",
        created_at=now,
        updated_at=now,
    )
    case = make_case(by=customer(org), title="Phones down")
    rep = RepresentativeFactory()
    actions.set_passcode(rep, primary.pk, CODE)
    OutboundMessage.objects.all().delete()
    return {"org": org, "primary": primary, "case": case, "rep": rep}


def page(user, case) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/console/cases/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_unverified_caller_s_case_page_shows_no_cpni_field(world):
    html = page(world["rep"], world["case"])
    assert 'data-testid="cpni-unverified"' in html
    for secret in ("+13035550188", "12 Elm Street", "Poly VVX 450"):
        assert secret not in html
    assert not Disclosure.objects.exists()


def test_after_verification_the_page_shows_cpni_and_the_disclosure_is_logged(world):
    client = Client()
    client.force_login(world["rep"])
    response = client.post(
        f"/console/cases/{world['case'].number}/verify-caller/",
        {"contact": world["primary"].pk, "method": "passcode", "passcode": CODE},
    )
    assert response.status_code == 302
    html = client.get(f"/console/cases/{world['case'].number}/").content.decode()
    assert 'data-testid="cpni-verified"' in html
    assert "+13035550188" in html and "12 Elm Street" in html and "Poly VVX 450" in html
    entry = Disclosure.objects.get()
    assert entry.by == world["rep"] and entry.case == world["case"] and entry.action == "view"
    assert "numbers" in entry.fields and "service_addresses" in entry.fields
    assert "passcode" in entry.reason and "Dana Ortiz" in entry.reason


def test_the_verification_lasts_the_call_and_is_the_representative_s_own(world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        actions.verify_caller(world["rep"], world["case"], contact_id=world["primary"].pk, method="call_back")
        assert "+13035550188" in page(world["rep"], world["case"])
        assert "+13035550188" not in page(RepresentativeFactory(), world["case"])
        traveller.shift(61 * 60)
        assert "+13035550188" not in page(world["rep"], world["case"])


def test_a_wrong_passcode_shows_nothing_and_is_rate_limited(world):
    client = Client()
    client.force_login(world["rep"])
    url = f"/console/cases/{world['case'].number}/verify-caller/"
    for _ in range(5):
        client.post(url, {"contact": world["primary"].pk, "method": "passcode", "passcode": "wrong-guess-1"})
    response = client.post(
        url, {"contact": world["primary"].pk, "method": "passcode", "passcode": CODE}, follow=True
    )
    assert "Too many wrong passcodes" in response.content.decode()
    assert "+13035550188" not in response.content.decode()


def test_a_role_without_the_cpni_permission_sees_none(world):
    billing = BillingFactory()
    from casedesk.core.errors import Refused

    with pytest.raises(Refused):
        actions.verify_caller(billing, world["case"], contact_id=world["primary"].pk, method="call_back")


def test_passcodes_are_hashed_and_follow_the_policy(world):
    stored = Passcode.objects.get(contact=world["primary"])
    assert CODE not in stored.hashed and stored.hashed.count("$") >= 1
    from casedesk.core.errors import Refused

    for bad in ("12345", "123456", "aaaaaaa", "ACC-90001x"):
        with pytest.raises(Refused):
            actions.set_passcode(world["rep"], world["primary"].pk, bad)


def test_only_the_primary_mpoc_sets_passcodes_in_the_portal(world):
    secondary = customer(world["org"])  # a secondary MPOC
    client = Client()
    client.force_login(secondary)
    client.post(f"/portal/passcodes/{world['primary'].pk}/", {"passcode": "Another-Code-77"})
    from django.contrib.auth.hashers import check_password

    assert check_password(CODE, Passcode.objects.get(contact=world["primary"]).hashed)


def test_another_organisation_s_passcode_answers_404(world):
    other = OrganisationFactory()
    theirs = ContactFactory(organisation=other, is_primary_mpoc=True, is_secondary_mpoc=False)
    client = Client()
    mine = customer(world["org"])
    client.force_login(mine)
    assert client.post(f"/portal/passcodes/{theirs.pk}/", {"passcode": "Valid-Code-991"}).status_code == 404
    assert not Passcode.objects.filter(contact=theirs).exists()


def test_a_change_of_the_address_of_record_is_told_to_the_old_address_without_the_new_one(world):
    old = world["primary"].email
    actions.set_address_of_record(world["rep"], world["org"].pk, "billing-desk@acme-new.example.com")
    notice = OutboundMessage.objects.get(kind="account_change")
    assert notice.to == old
    assert "address of record" in notice.text
    for body in (notice.subject, notice.text, notice.html):
        assert "billing-desk@acme-new.example.com" not in body


def test_a_passcode_notice_contains_no_passcode(world):
    actions.set_passcode(world["rep"], world["primary"].pk, "Fresh-Meadow-73")
    notice = OutboundMessage.objects.get(kind="account_change")
    assert notice.to == world["primary"].email
    for body in (notice.subject, notice.text, notice.html):
        assert "Fresh-Meadow-73" not in body


def test_the_disclosure_log_is_searchable_and_exports_csv(world):
    actions.verify_caller(world["rep"], world["case"], contact_id=world["primary"].pk, method="call_back")
    page(world["rep"], world["case"])
    manager = ManagerFactory()
    client = Client()
    client.force_login(manager)
    listing = client.get("/console/privacy/disclosures/?q=Acme").content.decode()
    assert world["case"].number in listing
    assert (
        world["case"].number not in client.get("/console/privacy/disclosures/?q=nobody-here").content.decode()
    )
    response = client.get("/console/privacy/disclosures/?format=csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "at (UTC)" and rows[1][3] == "Acme Dental Group" and rows[1][2] == "view"


def test_the_log_answers_404_to_customers_and_to_roles_without_the_permission(world):
    for user in (customer(world["org"]), world["rep"]):
        client = Client()
        client.force_login(user)
        assert client.get("/console/privacy/disclosures/").status_code in (403, 404)
    client = Client()
    client.force_login(world["rep"])
    assert client.get("/console/privacy/disclosures/").status_code == 404


def test_cpni_is_sent_only_to_an_address_on_file(world):
    from casedesk.privacy import notices
    from casedesk.rules import cpni

    context = {"sentence": cpni.Change.PASSCODE.sentence, "when": timezone.now()}
    refused = notices.send_cpni(
        world["org"],
        to="new-address@elsewhere.example.net",
        template="account_change",
        context=context,
        kind="cpni_test",
    )
    assert refused is None
    sent = notices.send_cpni(
        world["org"],
        to=world["primary"].email.upper(),
        template="account_change",
        context=context,
        kind="cpni_test",
    )
    assert sent is not None
    assert list(OutboundMessage.objects.filter(kind="cpni_test").values_list("to", flat=True)) == [
        world["primary"].email.upper()
    ]


def test_a_customer_s_password_change_is_told_to_the_address_of_record(world):
    from casedesk.rules import cpni

    user = customer(world["org"])
    actions.tell_sign_in_changed(user, cpni.Change.ONLINE_PASSWORD)
    notice = OutboundMessage.objects.get(kind="account_change")
    assert notice.to == world["primary"].email and "password" in notice.text


def _admin_form(contact) -> dict:
    from django.forms.models import model_to_dict

    data = {k: v for k, v in model_to_dict(contact).items() if v not in (None, False)}
    return {k: (v if v is not True else "on") for k, v in data.items()}


@pytest.mark.django_db(transaction=True)
def test_a_change_of_authorised_contacts_in_the_admin_is_told_to_the_address_of_record(world):
    """Making someone an MPOC, or no longer one, in the admin sends the account-change
    notice (without naming who); a change of a field that authorises nothing sends none."""
    from tests.factories import AdministratorFactory

    admin = Client()
    admin.force_login(AdministratorFactory(is_superuser=True))
    newcomer = ContactFactory(organisation=world["org"], is_primary_mpoc=False, is_secondary_mpoc=False)
    url = f"/admin/accounts/contact/{newcomer.pk}/change/"

    response = admin.post(url, {**_admin_form(newcomer), "title": "Office manager"})
    assert response.status_code == 302, response.content[:2000]
    assert not OutboundMessage.objects.filter(kind="account_change").exists()

    newcomer.refresh_from_db()
    response = admin.post(url, {**_admin_form(newcomer), "is_secondary_mpoc": "on"})
    assert response.status_code == 302
    notice = OutboundMessage.objects.get(kind="account_change")
    assert notice.to == world["primary"].email
    assert "authorised" in notice.text and newcomer.name not in notice.text

    response = admin.post(f"/admin/accounts/contact/{newcomer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert OutboundMessage.objects.filter(kind="account_change").count() == 2
