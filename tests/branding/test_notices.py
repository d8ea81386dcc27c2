"""What the desk e-mails a rebiller's customer carries the rebiller's brand: its name as
the sender's display name and in the sign-off, its support contacts in the footer; the
reply address stays the desk's. The provider's own customers hear from the provider."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
import time_machine
from django.core import mail

from casedesk.accounts import partners
from casedesk.billing import actions as billing
from casedesk.billing import mailing
from casedesk.branding.models import Brand
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from tests.billing.helpers import world as billing_world
from tests.branding.helpers import rebiller
from tests.factories import (
    AdministratorFactory,
    ContactFactory,
    OrganisationFactory,
    aware,
    customer,
    make_case,
)
from tests.macd.helpers import submit
from tests.macd.helpers import world as macd_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _names(settings):
    settings.CASEDESK_SITE_NAME = "Provider Voice"
    settings.DEFAULT_FROM_EMAIL = "support@provider.example"


def manage(org, by_rebiller) -> None:
    partners.set_partner(AdministratorFactory(), org, by_rebiller)


def test_a_case_notice_to_a_rebillers_customer_carries_the_brand():
    brand_org, _ = rebiller()
    org = OrganisationFactory()
    manage(org, brand_org)
    make_case(by=customer(org))
    row = OutboundMessage.objects.get(kind="case_opened")
    assert row.headers["From"] == "Skyline Voice <support@provider.example>"
    assert row.headers["Reply-To"] != "" and "skyline" not in row.headers["Reply-To"]
    assert "Skyline Voice support" in row.text and "Provider Voice" not in row.text
    assert "help@skyline.example · +1 720 555 0142 · https://help.skyline.example/" in row.text
    assert "Provider Voice" not in row.html and "Provider Voice" not in row.subject
    assert 'href="mailto:help@skyline.example"' in row.html
    delivery.deliver_due()
    sent = mail.outbox[-1]
    assert sent.extra_headers["From"] == "Skyline Voice <support@provider.example>"
    assert sent.message()["From"] == "Skyline Voice <support@provider.example>"
    assert sent.from_email == "support@provider.example"  # the envelope: the desk's own


def test_an_account_change_notice_to_a_rebillers_customer_carries_the_brand():
    from casedesk.privacy import actions as privacy

    brand_org, _ = rebiller()
    org = OrganisationFactory()
    manage(org, brand_org)
    mpoc = ContactFactory(organisation=org, is_primary_mpoc=True, is_secondary_mpoc=False)
    privacy.set_passcode(AdministratorFactory(), mpoc.pk, "Fresh-Meadow-73")
    row = OutboundMessage.objects.get(kind="account_change")
    assert row.to == mpoc.email
    assert row.headers["From"] == "Skyline Voice <support@provider.example>"
    assert "Provider Voice" not in row.text + row.html + row.subject


def test_a_direct_customer_hears_from_the_provider():
    rebiller()
    make_case(by=customer(OrganisationFactory()))
    row = OutboundMessage.objects.get(kind="case_opened")
    assert "From" not in row.headers
    assert "Provider Voice support" in row.text and "Skyline" not in row.text + row.html


def test_a_hostile_name_is_quoted_in_the_header_and_escaped_in_the_page():
    brand_org, brand = rebiller()
    Brand.objects.filter(pk=brand.pk).update(name='Sky "Voice" <script>x</script>, Bcc')
    org = OrganisationFactory()
    manage(org, brand_org)
    make_case(by=customer(org))
    row = OutboundMessage.objects.get(kind="case_opened")
    name, address = parseaddr(row.headers["From"])
    assert name == 'Sky "Voice" <script>x</script>, Bcc' and address == "support@provider.example"
    assert "<script>x</script>" not in row.html and "&lt;script&gt;" in row.html


def test_a_name_stored_with_a_newline_never_reaches_a_header():
    brand_org, brand = rebiller()
    Brand.objects.filter(pk=brand.pk).update(name="Sky\u202eVoice")
    org = OrganisationFactory()
    manage(org, brand_org)
    make_case(by=customer(org))
    row = OutboundMessage.objects.get(kind="case_opened")
    assert "From" not in row.headers and "\u202e" not in row.text


@time_machine.travel(aware(2026, 12, 2, 9, 0), tick=False)
def test_the_invoice_e_mail_carries_the_brand():
    brand_org, _ = rebiller()
    w = billing_world()
    manage(w.org, brand_org)
    invoice = billing.issue(w.org, "2026-11")
    OutboundMessage.objects.all().delete()
    assert mailing.queue(invoice, ["fiona@example.com"], key=None) == 1
    row = OutboundMessage.objects.get(kind="invoice")
    assert row.headers["From"] == "Skyline Voice <support@provider.example>"
    assert "Skyline Voice support" in row.text and "+1 720 555 0142" in row.text
    assert "Provider Voice" not in row.text + row.html


def test_the_macd_approval_request_carries_the_brand():
    brand_org, _ = rebiller()
    w = macd_world(rule="all")
    manage(w.org, brand_org)
    submit(w.dana)
    row = OutboundMessage.objects.filter(kind="macd_approval").first()
    assert row is not None and row.headers["From"] == "Skyline Voice <support@provider.example>"
    assert "Provider Voice" not in row.text + row.html and "help@skyline.example" in row.text
