"""The inventory's pages in the portal and the console."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from casedesk.inventory import actions
from casedesk.inventory.models import ImportJob, Item
from tests.factories import StaffFactory, customer
from tests.inventory.helpers import licence, number, org_with_mpoc, run_tasks, seat

pytestmark = pytest.mark.django_db
NOV_17 = timezone.make_aware(datetime(2026, 11, 17, 10, 0))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOV_17, tick=False)
def test_mpoc_adds_a_licence_seeing_its_charge_before_confirming():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat()])
    client = client_for(mpoc)
    page = client.get("/portal/inventory/")
    assert page.status_code == 200 and b"ann@acme.example.com" in page.content
    form = client.get("/portal/inventory/change/?kind=licence&op=add")
    assert b'name="f_monthly_price"' in form.content and b'name="f_email"' not in form.content
    fields = {
        "kind": "licence",
        "op": "add",
        "f_platform": "teams",
        "f_product": "Teams Phone",
        "f_assigned_to": "ann@acme.example.com",
        "f_monthly_price": "30",
        "effective": "2026-11-17",
    }
    preview = client.post("/portal/inventory/change/", {**fields, "step": "preview"})
    assert preview.status_code == 200
    assert b"$30.00" in preview.content and b"$14.00" in preview.content
    assert not Item.objects.filter(kind="licence").exists()
    done = client.post("/portal/inventory/change/", {**fields, "step": "confirm"}, follow=True)
    assert b"$14.00 for the rest of November" in done.content
    assert Item.objects.filter(kind="licence").count() == 1


@time_machine.travel(NOV_17, tick=False)
def test_a_refused_change_comes_back_with_why():
    _org, mpoc = org_with_mpoc()
    response = client_for(mpoc).post(
        "/portal/inventory/change/",
        {"kind": "number", "op": "add", "f_number": "12", "f_service_address": "x", "step": "confirm"},
    )
    assert response.status_code == 400 and b"not a valid phone number" in response.content
    assert not Item.objects.exists()


@time_machine.travel(NOV_17, tick=False)
def test_plain_contacts_are_told_who_may_and_financial_contacts_only_read():
    org, _mpoc = org_with_mpoc()
    response = client_for(customer(org, mpoc=False)).get("/portal/inventory/")
    assert response.status_code == 403 and b"main points of contact" in response.content
    reader = client_for(customer(org, mpoc=False, is_financial_contact=True))
    assert reader.get("/portal/inventory/").status_code == 200
    assert reader.get("/portal/inventory/change/?kind=seat&op=add").status_code == 403


@time_machine.travel(NOV_17, tick=False)
def test_item_page_history_and_a_scheduled_delete():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat(), number()])
    client = client_for(mpoc)
    item = Item.objects.get(kind="number")
    page = client.get(f"/portal/inventory/items/{item.pk}/")
    assert b"1 Main St, Denver CO" in page.content and b"Delete phone number" in page.content
    fields = {"kind": "number", "op": "delete", "key": "+13035550100", "effective": "2026-12-01"}
    client.post("/portal/inventory/change/", {**fields, "step": "confirm"})
    assert Item.objects.filter(kind="number").exists()
    listing = client.get("/portal/inventory/")
    assert b"Scheduled changes" in listing.content


@time_machine.travel(NOV_17, tick=False)
def test_export_and_import_through_the_pages():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat(), number(), licence()])
    client = client_for(mpoc)
    export = client.get("/portal/inventory/export.csv")
    assert export["Content-Disposition"].startswith("attachment;")
    text = b"".join(export.streaming_content).decode()
    assert "+13035550100" in text
    edited = text.replace("1 Main St, Denver CO", "5 New Rd")
    with run_tasks():
        response = client.post(
            "/portal/inventory/imports/", {"file": SimpleUploadedFile("inv.csv", edited.encode())}
        )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/portal/inventory/imports/{job.pk}/"
    progress = client.get(f"/portal/inventory/imports/{job.pk}/progress/").json()
    assert progress["status"] == "previewed" and progress["percent"] == 100
    page = client.get(f"/portal/inventory/imports/{job.pk}/?show=changes")
    assert b"Confirm and apply" in page.content and b"Move" in page.content
    assert client.get(f"/portal/inventory/imports/{job.pk}/confirm/").status_code == 405  # never on GET
    with run_tasks():
        client.post(f"/portal/inventory/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "applied"
    assert Item.objects.get(kind="number").service_address == "5 New Rd"


@time_machine.travel(NOV_17, tick=False)
def test_staff_find_an_organisation_and_import_for_it():
    org, _mpoc = org_with_mpoc()
    client = client_for(StaffFactory())
    assert org.name.encode() in client.get("/console/inventory/").content
    base = f"/console/organisations/{org.pk}/inventory/"
    assert client.get(base).status_code == 200
    csv = "kind,email,name\nseat,new@acme.example.com,New Hire\n"
    with run_tasks():
        client.post(f"{base}imports/", {"file": SimpleUploadedFile("inv.csv", csv.encode())})
    job = ImportJob.objects.get()
    with run_tasks():
        client.post(f"{base}imports/{job.pk}/confirm/")
    assert Item.objects.filter(organisation=org, key="new@acme.example.com").exists()
