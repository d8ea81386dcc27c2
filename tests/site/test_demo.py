"""The demo data `make run` loads: idempotent, every status, the plan's maintenance."""

from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from casedesk.accounts.models import Contact, Organisation
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.rules.lifecycle import Status
from casedesk.rules.schedule import DENVER
from casedesk.status import maintenance, versions
from casedesk.status.models import MaintenanceWindow
from casedesk.statuspage import pages

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = (Organisation.objects.count(), Contact.objects.count(), Case.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), Contact.objects.count(), Case.objects.count()) == first
    assert first[0] == 5
    assert set(Organisation.objects.exclude(kind="customer").values_list("kind", flat=True)) == {
        "partner",
        "rebiller",
    }
    for org in Organisation.objects.filter(kind="customer"):
        statuses = set(org.cases.values_list("status", flat=True))
        assert statuses == {s.value for s in Status}, org
        assert org.contacts.filter(is_primary_mpoc=True).count() == 1
        assert org.contacts.filter(is_secondary_mpoc=True).exists()
        assert org.contacts.filter(is_primary_mpoc=False, is_secondary_mpoc=False).exists()
    assert set(MaintenanceWindow.objects.values_list("kind", flat=True)) == {
        "monthly",
        "certificate",
        "platform_update",
    }
    out = capsys.readouterr().out
    assert "dana@acme.example.com" in out and "demo-pass-2026" in out
    emails = Contact.objects.values_list("email", flat=True)
    assert all(e.endswith("example.com") for e in emails)


def test_the_demo_partner_and_rebiller_act_for_their_customers(capsys):
    from casedesk.accounts import permissions
    from casedesk.accounts.models import User
    from casedesk.cases.selectors import cases_visible_to

    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "pat@northwind.example.com" in out and "quinn@summitvoice.example.com" in out
    pat = User.objects.get(email="pat@northwind.example.com")
    quinn = User.objects.get(email="quinn@summitvoice.example.com")
    assert {o.account_number for o, _ in permissions.granted_customers(pat)} == {"BRL-2002"}
    assert {o.account_number for o, _ in permissions.granted_customers(quinn)} == {"CVS-3003"}
    seen = set(cases_visible_to(pat).values_list("organisation__account_number", flat=True))
    assert seen == {"BRL-2002"}
    assert Organisation.objects.get(account_number="SUM-5005").brand.name == "Summit Voice"
    client = Client()
    client.force_login(quinn)
    page = client.get("/portal/").content.decode()
    assert "Cedar Valley Schools" in page and "Acme Dental Group" not in page


def test_demo_maintenance_follows_the_plan_and_no_impact_updates_stay_green(settings):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    pages._memo.clear()
    versions.forget()
    friday = datetime(2025, 3, 14, 0, 10, tzinfo=DENVER)  # during the weekly certificate update
    with time_machine.travel(friday, tick=False):
        call_command("seed_demo")
        maintenance.advance_maintenance(clock.now())
        impacts = dict(MaintenanceWindow.objects.values_list("kind", "impact"))
        assert impacts == {
            "monthly": "maintenance",
            "certificate": "operational",
            "platform_update": "operational",
        }
        assert MaintenanceWindow.objects.get(kind="certificate").occurrences.filter(state="in_progress")
        summary = Client().get("/status/summary.json").json()
        assert summary["status"]["indicator"] == "operational"
        assert {p["status"] for p in summary["platforms"]} == {"operational"}
        assert "Maintenance in progress, no impact expected" in {p["note"] for p in summary["platforms"]}
        page = Client().get("/status/").content.decode()
        assert "All systems operational" in page
        assert page.count("Certificate update: Fridays 00:00-00:30 MT, no customer impact") == 1
        assert "Portal and platform update: every 3 weeks on Tuesday 21:00-23:00 MT" in page


def test_a_demo_email_from_an_mpoc_is_assigned_to_a_technician_on_shift(capsys):
    from casedesk.mail import intake

    call_command("seed_demo")
    raw = (
        b"From: dana@acme.example.com\r\nTo: support@example.com\r\nSubject: Hosted Voice phones down\r\n"
        b"Message-ID: <demo-1@acme.example.com>\r\n\r\nAll desk phones lost registration."
    )
    result = intake.ingest(raw)
    assert result.outcome == "created"
    case = Case.objects.select_related("assignee").get(pk=int(result.case.split("-")[1]))
    assert case.assignee is not None and case.assignee.email == "theo@support.example.com"


def test_demo_has_a_worked_and_a_pending_macd_request():
    call_command("seed_demo")
    call_command("seed_demo")
    acme = Case.objects.get(kind="macd", organisation__account_number="ACME-1001")
    assert acme.approval == "approved" and acme.macd.time_entries.get().minutes == 16
    blue = Case.objects.get(kind="macd", organisation__account_number="BRL-2002")
    assert blue.approval == "pending"  # Blue Ridge asks all its MPOCs
