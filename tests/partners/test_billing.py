"""A partner's people and the bills of the customers they act for: by scope, not by flags."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casedesk.accounts import permissions
from casedesk.billing import access, actions
from casedesk.billing.models import Dispute
from casedesk.core.errors import Forbidden
from tests.billing.helpers import world
from tests.factories import aware, partner_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(2026, 12, 2, 9, 0), tick=False):
        yield


@pytest.mark.parametrize("scope", ["full", "billing"])
def test_a_delegate_whose_scope_holds_the_bills_sees_them(scope):
    w = world()
    user = partner_user({w.org: scope}, kind="rebiller")
    permissions.act_for(user, w.org.pk)
    contact = access.billing_contact(user)
    assert contact.organisation_id == w.org.pk and contact.delegate_of.user_id == user.pk


def test_a_cases_only_delegate_is_refused_naming_its_scope():
    w = world()
    user = partner_user({w.org: "cases"})
    permissions.act_for(user, w.org.pk)
    with pytest.raises(Forbidden, match="cases only"):
        access.billing_contact(user)


def test_a_billing_delegates_dispute_opens_the_billing_case_as_the_delegate():
    w = world()
    invoice = actions.issue(w.org, "2026-11")
    user = partner_user({w.org: "billing"}, kind="rebiller")
    client = Client()
    client.force_login(user)
    line = invoice.lines.order_by("position").first()
    # From the roll-up, as themselves: the statement's organisation is the one acted for.
    page = client.get(reverse("portal:billing_invoice", args=[invoice.pk]))
    assert page.status_code == 200 and invoice.reference in page.content.decode()
    response = client.post(
        reverse("portal:billing_dispute", args=[invoice.pk]), {"line": [line.pk], "reason": "Not ours"}
    )
    assert response.status_code == 302
    row = Dispute.objects.get()
    assert row.case.organisation_id == w.org.pk
    assert row.case.contact.delegate_of.user_id == user.pk


def test_a_cases_only_delegate_gets_no_statement_and_another_customers_is_404():
    w, other = world(), world()
    invoice = actions.issue(w.org, "2026-11")
    foreign = actions.issue(other.org, "2026-11")
    user = partner_user({w.org: "cases"})
    client = Client()
    client.force_login(user)
    assert client.get(reverse("portal:billing_invoice", args=[invoice.pk])).status_code in (403, 404)
    assert client.get(reverse("portal:billing_invoice", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("portal:billing_pdf", args=[foreign.pk])).status_code == 404
