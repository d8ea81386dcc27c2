"""The admin reads well: plural names, durations in words, history read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client

from casedesk.cases.models import CaseEvent
from casedesk.core import clock
from casedesk.mail import intake
from casedesk.mail.models import InboundMessage
from casedesk.sla.models import Breach, Policy
from casedesk.status.models import MasterChild, WebhookDelivery
from tests.factories import UserFactory, customer, make_case
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_plural_names():
    assert Breach._meta.verbose_name_plural == "breaches"
    assert WebhookDelivery._meta.verbose_name_plural == "webhook deliveries"
    assert MasterChild._meta.verbose_name_plural == "master-case children"


def test_index_lists_plural_names(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Breaches" in page and "Webhook deliveries" in page and "Breachs" not in page
    assert "Deliverys" not in page and "API tokens" in page


def test_history_is_read_only_and_durations_read_as_words(admin_client):
    case = make_case(by=customer(), title="Late one")
    Breach.objects.create(
        case=case, clock="first_response", priority="P3", due=clock.now(), until=clock.now(),
        late=timedelta(hours=2, minutes=5), ongoing=False,
    )  # fmt: skip
    intake.ingest(make_mail("stranger@elsewhere.example.org"))
    for model in (Breach, CaseEvent, InboundMessage):
        model_admin = admin.site._registry[model]
        request = type("R", (), {"user": UserFactory(is_staff=True, is_superuser=True)})()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    breaches = admin_client.get("/admin/sla/breach/").content.decode()
    assert "2 h 05 min" in breaches and "0:02:05" not in breaches and "2:05:00" not in breaches
    row = Breach.objects.get()
    detail = admin_client.get(f"/admin/sla/breach/{row.pk}/change/")
    assert detail.status_code == 200 and 'name="late"' not in detail.content.decode()
    assert admin_client.get("/admin/cases/caseevent/").status_code == 200
    mail = admin_client.get("/admin/mail/inboundmessage/")
    assert mail.status_code == 200 and "stranger@elsewhere.example.org" in mail.content.decode()
    assert admin_client.get("/admin/sla/breach/add/").status_code == 403


def test_policy_targets_read_as_durations(admin_client):
    if not Policy.objects.exists():
        pytest.skip("no seeded policies")
    page = admin_client.get("/admin/sla/policy/").content.decode()
    assert " h" in page or " min" in page or "business day" in page
