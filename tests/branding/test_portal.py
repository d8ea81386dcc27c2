"""The portal under a rebiller's brand: its customers and its people acting for them see
it; the provider's own customers, and a partner's, never do; every value escaped."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.accounts import partners
from casedesk.branding.models import Brand
from tests.branding.helpers import rebiller
from tests.factories import AdministratorFactory, OrganisationFactory, customer, make_case, partner_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def managed_by(org) -> object:
    managed = OrganisationFactory()
    partners.set_partner(AdministratorFactory(), managed, org)
    return managed


def test_a_rebillers_customer_sees_its_name_logo_and_colours(settings):
    settings.CASEDESK_SITE_NAME = "Provider Voice"
    org, brand = rebiller()
    page = signed_in(customer(managed_by(org))).get("/portal/").content.decode()
    assert "<title>" in page and "· Skyline Voice</title>" in page
    assert f'src="/brand/{brand.pk}/logo?v={brand.version}"' in page
    assert f'href="/brand/{brand.pk}/colours.css?v={brand.version}"' in page
    assert 'class="branded ' in page and "Provider Voice" not in page
    assert (
        "+1 720 555 0142" in signed_in(customer(managed_by(org))).get("/portal/cases/new/").content.decode()
    )


@pytest.mark.parametrize("kind", ["customer", "partner"])
def test_a_direct_customer_or_a_partners_sees_the_providers_name(settings, kind):
    settings.CASEDESK_SITE_NAME = "Provider Voice"
    rebiller()  # a brand exists, but not for them
    org = OrganisationFactory() if kind == "customer" else managed_by(OrganisationFactory(kind="partner"))
    page = signed_in(customer(org)).get("/portal/").content.decode()
    assert "Provider Voice" in page and "Skyline" not in page and "/brand/" not in page
    assert 'class="branded' not in page


def test_the_rebillers_person_acting_for_a_customer_sees_the_brand():
    org, _ = rebiller()
    managed = OrganisationFactory()
    user = partner_user({managed: "full"}, partner=org)
    case = make_case(by=customer(managed))
    page = signed_in(user).get(f"/portal/cases/{case.number}/").content.decode()
    assert "· Skyline Voice</title>" in page and 'class="branded ' in page


def test_the_colours_stylesheet_and_logo_are_served_safely_to_those_who_see_the_brand():
    org, brand = rebiller()
    client = signed_in(customer(managed_by(org)))
    css = client.get(f"/brand/{brand.pk}/colours.css")
    assert css.status_code == 200 and css["Content-Type"] == "text/css; charset=utf-8"
    assert css["X-Content-Type-Options"] == "nosniff"
    assert css.content.decode().startswith(":root{--brand-primary:#5b2a86;")
    logo = client.get(f"/brand/{brand.pk}/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff" and "sandbox" in logo["Content-Security-Policy"]
    assert b"".join(logo.streaming_content).startswith(b"\x89PNG")
    # Another organisation's people, and anyone signed out, are told there is no such brand.
    for other in (signed_in(customer(OrganisationFactory())), Client()):
        assert other.get(f"/brand/{brand.pk}/colours.css").status_code == 404
        assert other.get(f"/brand/{brand.pk}/logo").status_code == 404
    assert (
        signed_in(customer(managed_by(rebiller("Other")[0]))).get(f"/brand/{brand.pk}/logo").status_code
        == 404
    )


def test_hostile_values_stored_behind_the_checks_are_escaped_or_dropped():
    org, brand = rebiller()
    Brand.objects.filter(pk=brand.pk).update(
        name='<script>alert(1)</script>" onload="x',
        primary_colour=";}*{x:y",  # as much as the column holds
        accent_colour="red",
    )
    client = signed_in(customer(managed_by(org)))
    page = client.get("/portal/").content.decode()
    assert (
        "<script>alert(1)" not in page
        and "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x" in page
    )
    css = client.get(f"/brand/{brand.pk}/colours.css").content.decode()
    assert "}*{" not in css and "#12263f" in css and "red" not in css
