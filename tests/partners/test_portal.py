"""A partner's people in the portal, the console and the API: choosing the customer, one
queue, actions recorded as done for the customer by the partner, self-administration."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from casedesk.accounts import partners
from casedesk.accounts.models import Contact, User
from casedesk.api.models import ApiToken, digest
from casedesk.cases.models import Case
from casedesk.web.acting import SESSION_KEY
from tests.factories import (
    AdministratorFactory,
    OrganisationFactory,
    StaffFactory,
    customer,
    make_case,
    partner_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = OrganisationFactory(name="Alder Dental")
    b = OrganisationFactory(name="Birch Law")
    user = partner_user({a: "cases", b: "full"})
    partner = user.contact.organisation
    partner.name = "Acme Partners"
    partner.save()
    in_a = make_case(by=customer(a), title="Alder phones down")
    in_b = make_case(by=customer(b), title="Birch fax line")
    stranger = make_case(by=customer(), title="Secret stranger outage")
    client = Client()
    client.force_login(user)
    return {
        "a": a,
        "b": b,
        "user": user,
        "partner": partner,
        "in_a": in_a,
        "in_b": in_b,
        "stranger": stranger,
        "client": client,
    }


def test_all_customers_is_one_queue_with_an_organisation_column_and_a_filter(world):
    client = world["client"]
    page = client.get("/portal/").content.decode()
    assert "All customers: cases" in page and "<th>Organisation</th>" in page
    assert "Alder phones down" in page and "Birch fax line" in page
    assert "Secret stranger outage" not in page
    assert 'id="acting-for"' in page and "Alder Dental" in page
    only_a = client.get(f"/portal/?organisation={world['a'].account_number}").content.decode()
    assert "Alder phones down" in only_a and "Birch fax line" not in only_a


def test_search_as_all_customers_spans_the_one_queue(world):
    client = world["client"]

    def hits(q: str) -> str:
        response = client.get("/portal/search/", {"q": q}, follow=True)
        assert response.status_code in (200, 404)
        return response.content.decode() if response.status_code == 200 else ""

    for case in (world["in_a"], world["in_b"]):
        assert f"/portal/cases/{case.number}/" in hits(case.title) or case.title in hits(case.number)
    stranger = world["stranger"]
    assert f"/portal/cases/{stranger.number}/" not in hits(stranger.title)
    assert stranger.title not in hits(stranger.number)
    client.post("/portal/acting-for/", {"customer": world["b"].account_number})
    assert f"/portal/cases/{world['in_a'].number}/" not in hits(world["in_a"].title)


def test_choosing_a_customer_narrows_every_page_to_it(world):
    client = world["client"]
    response = client.post("/portal/acting-for/", {"customer": world["a"].account_number})
    assert response.status_code == 302 and client.session[SESSION_KEY] == world["a"].pk
    page = client.get("/portal/").content.decode()
    assert "Alder Dental: cases" in page and "Birch fax line" not in page
    assert "<th>Organisation</th>" not in page
    assert client.get(f"/portal/cases/{world['in_b'].number}/").status_code == 404
    assert "Acme Partners, for Alder Dental" in page  # the header says who they act for
    client.post("/portal/acting-for/", {"customer": ""})
    assert SESSION_KEY not in client.session
    assert "Birch fax line" in client.get("/portal/").content.decode()


def test_a_customer_not_granted_is_refused_with_a_reason_and_nothing_stored(world):
    client = world["client"]
    other = OrganisationFactory()
    for number in (other.account_number, "NOPE-1"):
        response = client.post("/portal/acting-for/", {"customer": number})
        assert response.status_code == 404 and b"do not act for a customer" in response.content
        assert SESSION_KEY not in client.session
    assert client.get("/portal/acting-for/").status_code == 405  # no state change on GET


def test_a_revoked_access_puts_the_user_back_to_all_customers(world):
    client = world["client"]
    client.post("/portal/acting-for/", {"customer": world["a"].account_number})
    delegate = Contact.objects.get(organisation=world["a"], delegate_of__user=world["user"])
    partners.revoke(AdministratorFactory(), delegate)
    page = client.get("/portal/", follow=True).content.decode()
    assert "access to the customer you acted for has ended" in page
    assert SESSION_KEY not in client.session
    assert "Alder phones down" not in page and "Birch fax line" in page


def test_a_comment_from_the_one_queue_is_recorded_for_the_customer_by_the_partner(world):
    client, case = world["client"], world["in_a"]
    response = client.post(f"/portal/cases/{case.number}/comment/", {"body": "Rebooted the PBX."})
    assert response.status_code == 302
    event = case.events.get(kind="comment")
    assert event.contact.delegate_of.user_id == world["user"].pk
    assert event.contact.organisation_id == case.organisation_id
    label = "(Acme Partners, for Alder Dental)"
    assert label in client.get(f"/portal/cases/{case.number}/").content.decode()
    staff = Client()
    staff.force_login(AdministratorFactory())
    console = staff.get(f"/console/cases/{case.number}/").content.decode()
    assert (
        label in console
        and 'id="partner-card"' in console
        and "Cases only" in console.replace("cases only", "Cases only")
    )


def test_reopen_confirm_and_escalate_work_as_the_delegate(world):
    from casedesk.cases import actions

    case, staff = world["in_a"], StaffFactory()
    actions.transition(case, to="in_progress", by=staff)
    actions.transition(case, to="resolved_follow_up", by=staff, resolution="Replaced the handset.")
    response = world["client"].post(f"/portal/cases/{case.number}/confirm/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    response = world["client"].post(f"/portal/cases/{case.number}/reopen/", {"note": "Down again."})
    assert response.status_code == 302
    assert case.events.filter(contact__delegate_of__user=world["user"]).count() >= 2
    other = world["in_b"]
    response = world["client"].post(f"/portal/cases/{other.number}/escalate/", {"reason": "Still down."})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert other.events.filter(contact__delegate_of__user=world["user"]).exists()


def test_opening_a_case_as_all_customers_asks_which_customer(world):
    client = world["client"]
    page = client.get("/portal/cases/new/")
    assert page.status_code == 200 and b"Which customer is it for?" in page.content
    assert b"Alder Dental" in page.content and b"Birch Law" in page.content
    response = client.post("/portal/acting-for/", {"customer": world["b"].account_number, "next": "new"})
    assert response["Location"] == "/portal/cases/new/"
    form = client.get("/portal/cases/new/")
    assert b"Which customer" not in form.content and b'name="title"' in form.content
    response = client.post(
        "/portal/cases/new/", {"title": "Birch voicemail", "description": "No greetings play."}
    )
    assert response.status_code == 302
    case = Case.objects.get(title="Birch voicemail")
    assert case.organisation_id == world["b"].pk and case.contact.delegate_of.user_id == world["user"].pk


def test_macd_needs_full_scope_and_billcenter_is_refused_to_cases_only(world):
    client = world["client"]
    client.post("/portal/acting-for/", {"customer": world["a"].account_number})
    assert client.get("/portal/macd/new/").status_code == 403
    billing = client.get("/portal/billing/")
    assert billing.status_code == 403
    inventory = client.get("/portal/inventory/")
    assert inventory.status_code == 200 and b"Alder Dental: services" in inventory.content
    client.post("/portal/acting-for/", {"customer": world["b"].account_number})
    assert client.get("/portal/macd/new/").status_code == 200


def test_the_customers_own_mpoc_sees_who_of_the_partner_acts_for_it(world):
    mpoc = User.objects.get(contact__organisation=world["a"], contact__delegate_of__isnull=True)
    client = Client()
    client.force_login(mpoc)
    page = client.get("/portal/profile/").content.decode()
    assert 'id="partner-card"' in page and "Acme Partners" in page
    mpocs = page.split("<h2>Main points of contact</h2>")[1].split("</ul>")[0]
    assert world["user"].contact.name not in mpocs  # a delegate is never listed as an MPOC
    assert world["user"].contact.name in page.split('id="partner-card"')[1]


def test_the_partners_primary_mpoc_grants_changes_and_revokes(world):
    partner = world["partner"]
    boss = customer(partner, mpoc=False, is_primary_mpoc=True)
    person = world["user"].contact
    client = Client()
    client.force_login(boss)
    page = client.get("/portal/partner/")
    assert page.status_code == 200 and b"Alder Dental" in page.content
    c = OrganisationFactory(name="Cedar Clinic")
    partners.set_partner(AdministratorFactory(), c, partner)
    grant = {"person": person.pk, "customer": c.pk}
    response = client.post("/portal/partner/grant/", {**grant, "scope": "billing"})
    assert response.status_code == 302
    delegate = Contact.objects.get(organisation=c, delegate_of=person)
    assert delegate.partner_scope == "billing" and delegate.active
    client.post("/portal/partner/grant/", {"person": person.pk, "customer": c.pk, "scope": "cases"})
    delegate.refresh_from_db()
    assert delegate.partner_scope == "cases"
    bad = client.post("/portal/partner/grant/", {"person": person.pk, "customer": c.pk, "scope": "all"})
    assert bad.status_code == 400 and b"No access scope" in bad.content
    stranger = OrganisationFactory()
    refused = client.post("/portal/partner/grant/", {**grant, "customer": stranger.pk, "scope": "full"})
    assert refused.status_code == 404
    assert client.post(f"/portal/partner/access/{delegate.pk}/revoke/").status_code == 302
    delegate.refresh_from_db()
    assert not delegate.active
    # Not the primary MPOC: refused with a reason; another partner's access: 404.
    assert world["client"].get("/portal/partner/").status_code == 403
    other = partner_user({OrganisationFactory(): "full"})
    foreign = Contact.objects.get(delegate_of__user=other)
    assert client.post(f"/portal/partner/access/{foreign.pk}/revoke/").status_code == 404


def test_the_api_takes_the_customer_from_a_header(world):
    raw = ApiToken.new_raw()
    ApiToken.objects.create(
        user=world["user"], key_digest=digest(raw), prefix=raw[:8], created_at=timezone.now()
    )
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    every = client.get("/api/v1/cases?state=all", **auth).json()
    numbers = {c["number"] for c in every["items"]}
    assert {world["in_a"].number, world["in_b"].number} <= numbers
    assert world["stranger"].number not in numbers
    one = client.get("/api/v1/cases?state=all", HTTP_X_CASEDESK_CUSTOMER=world["a"].account_number, **auth)
    assert {c["number"] for c in one.json()["items"]} == {world["in_a"].number}
    stranger = world["stranger"].organisation.account_number
    for number in (stranger, "NOPE-1"):
        refused = client.get("/api/v1/cases", HTTP_X_CASEDESK_CUSTOMER=number, **auth)
        assert refused.status_code == 404 and "yours to act for" in refused.json()["detail"]
    posted = client.post(
        f"/api/v1/cases/{world['in_b'].number}/comments",
        {"body": "From our NOC."},
        content_type="application/json",
        HTTP_X_CASEDESK_CUSTOMER=world["b"].account_number,
        **auth,
    )
    assert posted.status_code in (200, 201), posted.content
    event = world["in_b"].events.get(kind="comment")
    assert event.contact.delegate_of.user_id == world["user"].pk


def test_the_admin_changes_the_partner_through_the_action(world):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from casedesk.accounts.models import Organisation

    admin = AdministratorFactory(is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/organisation/{world['a'].pk}/change/").content.decode()
    assert "who of the partner acts for this customer" in page and world["user"].contact.name in page
    delegates = Contact.objects.filter(organisation=world["a"], delegate_of__isnull=False, active=True)
    assert delegates.exists()
    model_admin = site._registry[Organisation]
    request = RequestFactory().post("/")
    request.user = admin
    org = Organisation.objects.get(pk=world["a"].pk)
    form_class = model_admin.get_form(request, org)
    data = {k: v for k, v in form_class(instance=org).initial.items() if v is not None}
    data["platforms"] = [p.pk for p in org.platforms.all()]
    other = OrganisationFactory(kind="partner")
    mistaken = form_class({**data, "partner": world["b"].pk}, instance=org)
    assert not mistaken.is_valid() and "partner" in mistaken.errors  # a customer manages no one
    form = form_class({**data, "partner": other.pk}, instance=org)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, True)
    org.refresh_from_db()
    assert org.partner_id == other.pk and not delegates.exists()  # the old partner's people lost it


def test_participants_from_the_one_queue_are_the_customers_colleagues(world):
    from tests.factories import ContactFactory

    case = world["in_a"]
    colleague = ContactFactory(organisation=world["a"], name="Pat Reception")
    outsider = ContactFactory(organisation=world["b"], name="Birch Clerk")
    page = world["client"].get(f"/portal/cases/{case.number}/").content.decode()
    assert "Pat Reception" in page and "Birch Clerk" not in page
    response = world["client"].post(f"/portal/cases/{case.number}/participants/", {"contact": colleague.pk})
    assert response.status_code == 302
    assert case.participants.filter(contact=colleague).exists()
    refused = world["client"].post(f"/portal/cases/{case.number}/participants/", {"contact": outsider.pk})
    assert refused.status_code in (400, 404) and not case.participants.filter(contact=outsider).exists()


def test_a_scope_refusal_names_the_scope_and_the_partner(world):
    client = world["client"]
    client.post("/portal/acting-for/", {"customer": world["a"].account_number})
    page = client.get("/portal/macd/new/")
    assert page.status_code == 403
    assert b"Your access to Alder Dental for Acme Partners is cases only" in page.content


def test_the_admin_gives_and_ends_partner_access_with_the_actions(world):
    admin = AdministratorFactory(is_superuser=True)
    client = Client()
    client.force_login(admin)
    c = OrganisationFactory(name="Cedar Clinic")
    partners.set_partner(admin, c, world["partner"])
    person = world["user"].contact
    url = "/admin/accounts/contact/"
    asked = client.post(url, {"action": "give_partner_access", "_selected_action": [person.pk]})
    assert asked.status_code == 200 and b"Cedar Clinic" in asked.content
    assert b"Alder Dental" in asked.content and b"Secret" not in asked.content
    done = client.post(
        url,
        {
            "action": "give_partner_access",
            "_selected_action": [person.pk],
            "customer": c.pk,
            "scope": "cases",
        },
    )
    assert done.status_code == 302
    delegate = Contact.objects.get(organisation=c, delegate_of=person)
    assert delegate.partner_scope == "cases" and delegate.active
    client.post(url, {"action": "end_partner_access", "_selected_action": [delegate.pk]})
    delegate.refresh_from_db()
    assert not delegate.active
    page = client.get(f"{url}{delegate.pk}/change/")
    assert page.status_code == 200 and b'name="is_primary_mpoc"' not in page.content  # read-only


def test_the_admins_organisation_form_saves_with_its_delegates_listed(world):
    """The change form as a browser sends it back (contacts, delegates and escalation
    inlines included): a new partner goes through `set_partner`."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.data: dict[str, list[str]] = {}
            self._select: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
                if a.get("type") == "checkbox" and "checked" not in a:
                    return
                self.data.setdefault(name, []).append(
                    a.get("value") or ("on" if a.get("type") == "checkbox" else "")
                )
            elif tag == "select" and name:
                self._select = name
                self.data.setdefault(name, [])
            elif tag == "option" and self._select and "selected" in a:
                self.data[self._select].append(a.get("value", ""))
            elif tag == "textarea" and name:
                self.data.setdefault(name, [""])

        def handle_endtag(self, tag):
            if tag == "select":
                self._select = None

    admin = AdministratorFactory(is_superuser=True)
    client = Client()
    client.force_login(admin)
    url = f"/admin/accounts/organisation/{world['a'].pk}/change/"
    parser = Fields()
    parser.feed(client.get(url).content.decode())
    other = OrganisationFactory(kind="partner", name="Other Partners")
    data = {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    data["partner"] = [str(other.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    world["a"].refresh_from_db()
    assert world["a"].partner_id == other.pk
    assert not Contact.objects.filter(
        organisation=world["a"], delegate_of__isnull=False, active=True
    ).exists()
