"""Pages leave out what the user's role may not use (the actions refuse it anyway)."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.accounts.models import Contact, StaffRole, User
from casedesk.cases import actions
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


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def acme():
    org = OrganisationFactory(name="Acme Dental")
    ContactFactory(
        organisation=org,
        name="Pat Primary",
        email="pat@acme.example.com",
        is_primary_mpoc=True,
        is_secondary_mpoc=False,
    )
    lee = customer(org)
    case = make_case(by=lee, title="Reception phone dead")
    Contact.objects.filter(user=lee).update(is_secondary_mpoc=False)  # no longer an MPOC
    return org, User.objects.get(pk=lee.pk), case


def test_a_contact_who_is_not_an_mpoc_is_offered_no_reopen_confirm_or_escalate(acme):
    org, lee, case = acme
    actions.transition(case, to="resolved_follow_up", by=StaffFactory(), note="Fixed?")
    page = logged_in(lee).get(f"/portal/cases/{case.number}/").content.decode()
    assert "Reception phone dead" in page
    for url in ("escalate", "confirm", "reopen"):
        assert f"/portal/cases/{case.number}/{url}/" not in page
    assert 'id="ask-mpocs"' in page and "Pat Primary" in page and "pat@acme.example.com" in page
    assert f"/portal/cases/{case.number}/comment/" in page  # they may still comment
    mpoc_page = logged_in(customer(org)).get(f"/portal/cases/{case.number}/").content.decode()
    for url in ("escalate", "confirm", "reopen"):
        assert f"/portal/cases/{case.number}/{url}/" in mpoc_page


def test_the_portal_list_tells_a_contact_who_the_mpocs_are(acme):
    org, lee, _ = acme
    make_case(by=customer(org), title="Somebody else's")
    page = logged_in(lee).get("/portal/?state=all").content.decode()
    assert "Reception phone dead" in page and "Somebody else&#x27;s" not in page
    assert 'href="/portal/cases/new/"' not in page
    assert 'id="mpocs"' in page and "Pat Primary" in page


def test_a_representative_routes_but_is_offered_no_priority_or_status():
    case = make_case()
    page = logged_in(RepresentativeFactory()).get(f"/console/cases/{case.number}/").content.decode()
    assert "Save routing" in page and 'name="priority"' not in page
    assert 'id="transition"' not in page and 'id="details"' not in page
    assert 'href="/console/masters/"' not in page and 'href="/console/reports/"' not in page


def test_the_p1_option_follows_the_role():
    case = make_case()
    tech = StaffFactory()
    page = logged_in(tech).get(f"/console/cases/{case.number}/").content.decode()
    assert '<option value="P1">' in page and '<option value="P1G">' not in page
    row = StaffRole.objects.get(key="technician")
    row.abilities = [a for a in row.abilities if a != "set_p1"]
    row.save()
    page = logged_in(StaffFactory()).get(f"/console/cases/{case.number}/").content.decode()
    assert 'name="priority"' in page and '<option value="P1">' not in page


def test_master_cases_and_reports_are_offered_to_managers_only():
    case = make_case()
    tech_page = logged_in(StaffFactory()).get(f"/console/cases/{case.number}/").content.decode()
    assert 'href="/console/masters/"' not in tech_page and 'id="promote"' not in tech_page
    assert 'href="/console/reports/"' not in tech_page
    manager_page = logged_in(ManagerFactory()).get(f"/console/cases/{case.number}/").content.decode()
    assert 'href="/console/masters/"' in manager_page and 'id="promote"' in manager_page
    assert 'href="/console/reports/"' in manager_page
    refused = logged_in(StaffFactory()).get("/console/reports/sla/")
    assert refused.status_code == 403 and b"may not see reports" in refused.content


def test_billing_staff_are_told_why_their_queue_is_empty():
    make_case()
    page = logged_in(BillingFactory()).get("/console/queue/open/").content.decode()
    assert 'id="no-cases"' in page and "Nothing in this queue" in page
    assert 'href="/console/contacts/"' not in page


def test_staff_roles_are_shown_and_edited_in_the_admin():
    admin = User.objects.create_superuser(email="root@example.com", username="root", password="pass-word-123")
    client = logged_in(admin)
    listing = client.get("/admin/accounts/staffrole/").content.decode()
    for name in ("Customer service representative", "Technician / specialist", "Manager", "Billing"):
        assert name in listing
    row = StaffRole.objects.get(key="billing")
    page = client.get(f"/admin/accounts/staffrole/{row.pk}/change/")
    assert page.status_code == 200 and b"billing_cases: work billing cases" in page.content
    response = client.post(
        f"/admin/accounts/staffrole/{row.pk}/change/",
        {"name": "Billing", "abilities": ["billing_cases", "view_cases", "comment"]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert sorted(row.abilities) == ["billing_cases", "comment", "view_cases"]
    bea = BillingFactory()
    case = make_case()
    assert logged_in(bea).get(f"/console/cases/{case.number}/").status_code == 200  # the data decides
    assert client.get("/admin/accounts/staffrole/add/").status_code == 403
