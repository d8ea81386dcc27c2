"""CSV export, re-import with a row-by-row preview, confirmation and apply."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casedesk.core.errors import Refused
from casedesk.inventory import actions, csvio, jobs
from casedesk.inventory.models import ImportJob, Item
from tests.factories import OrganisationFactory, customer
from tests.inventory.helpers import confirm_import, licence, number, org_with_mpoc, seat, start_import

pytestmark = pytest.mark.django_db
NOV_17 = timezone.make_aware(datetime(2026, 11, 17, 10, 0))
HEADER = ",".join(csvio.header())


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("inventory.csv", text.encode(), content_type="text/csv")


def csv_row(**cells: str) -> str:
    return ",".join(cells.get(c, "") for c in csvio.header())


def exported(org) -> str:
    return "".join(csvio.stream(Item.objects.filter(organisation=org).order_by("kind", "key")))


@time_machine.travel(NOV_17, tick=False)
def test_export_edit_reimport_preview_and_apply():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat(), number(assigned_to="ann@acme.example.com"), licence()])
    text = exported(org)
    assert text.startswith("\ufeffkind,key,")
    assert ",+13035550100," in text  # the leading "+" kept
    edited = (
        text.replace("1 Main St, Denver CO", "9 Elm St, Denver CO")
        + csv_row(kind="number", number="+1 720 555 0199", service_address="9 Elm St", monthly_price="1.50")
        + "\r\n"
        + csv_row(kind="number", number="555-12")
        + "\r\n"
    )
    job = start_import(mpoc, org, upload(edited.lstrip("\ufeff")), source="portal")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert job.errors == 1
    assert job.counts["add"] == 1 and job.counts["move"] == 1 and job.counts["unchanged"] == 2
    bad = job.rows.exclude(error="").get()
    assert bad.line == 6 and "not a valid phone number" in bad.error
    with pytest.raises(Refused, match="cannot be applied"):
        jobs.confirm_import(mpoc, job)
    fixed = edited.replace("555-12", "+1 720 555 0123").replace(
        csv_row(kind="number", number="+1 720 555 0123"),
        csv_row(kind="number", number="+1 720 555 0123", service_address="9 Elm St"),
    )
    job = start_import(mpoc, org, upload(fixed), source="portal")
    job.refresh_from_db()
    assert job.errors == 0 and job.counts["add"] == 2
    assert job.charge_monthly == Decimal("1.50") and job.charge_amount == Decimal("0.70")
    assert Item.objects.filter(organisation=org).count() == 3  # nothing applied before confirming
    confirm_import(mpoc, job)
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert Item.objects.filter(organisation=org, kind="number").count() == 3
    assert Item.objects.get(key="+13035550100").service_address == "9 Elm St, Denver CO"


@time_machine.travel(NOV_17, tick=False)
def test_a_number_another_organisation_holds_and_duplicates_are_row_errors():
    org, mpoc = org_with_mpoc()
    other = OrganisationFactory()
    actions.apply_changes(customer(other), other, [number()])
    text = (
        HEADER
        + "\n"
        + "\n".join(
            [
                csv_row(kind="number", number="3035550100", service_address="x"),
                csv_row(kind="seat", email="a@acme.example.com", name="A"),
                csv_row(kind="seat", email="A@acme.example.com", name="A again"),
                csv_row(kind="device", model="VVX", mac="zz"),
                csv_row(
                    kind="licence",
                    platform="teams",
                    product="P",
                    monthly_price="3",
                    assigned_to="nobody@acme.example.com",
                ),
                csv_row(kind="gadget"),
            ]
        )
    )
    job = start_import(mpoc, org, upload(text), source="portal")
    job.refresh_from_db()
    errors = {row.line: row.error for row in job.rows.exclude(error="")}
    assert "held by another organisation" in errors[2]
    assert "already on line 3" in errors[4]
    assert "MAC address" in errors[5]
    assert "no user nobody@acme.example.com" in errors[6]
    assert "not a kind" in errors[7]
    assert job.errors == 5


@time_machine.travel(NOV_17, tick=False)
def test_missing_rows_are_deleted_only_when_asked():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat(), number()])
    only_seat = HEADER + "\n" + csv_row(kind="seat", email="ann@acme.example.com", name="Ann Example")
    job = start_import(mpoc, org, upload(only_seat), source="portal")
    job.refresh_from_db()
    assert job.counts.get("delete", 0) == 0
    job = start_import(mpoc, org, upload(only_seat), source="portal", delete_missing=True)
    job.refresh_from_db()
    assert job.counts["delete"] == 1
    confirm_import(mpoc, job)
    assert list(Item.objects.filter(organisation=org).values_list("kind", flat=True)) == ["seat"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,email\nA,a@b.example\n", "starting with “kind”"),
        ("kind,colour\n", "Unknown column"),
    ],
)
def test_files_that_are_not_the_inventory_fail_with_why(text, message):
    org, mpoc = org_with_mpoc()
    if not text:
        with pytest.raises(Refused, match=message):
            start_import(mpoc, org, upload(text), source="portal")
        return
    job = start_import(mpoc, org, upload(text), source="portal")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and message in job.message


def test_formulas_are_neutralised_in_the_export():
    assert csvio.cell("name", "=HYPERLINK()") == "'=HYPERLINK()"
    assert csvio.cell("number", "+13035550100") == "+13035550100"
    assert csvio.cell("site", "+bad") == "'+bad"
    assert next(csvio.read(io.BytesIO(b"kind,name\nseat,'=x\n")))[1]["name"] == "'=x"


@time_machine.travel(NOV_17, tick=False)
def test_the_apply_reports_its_progress_through_the_shared_cache(settings, monkeypatch):
    """The apply is one transaction, so its count goes to the shared cache (real Redis
    here); the progress page, asked while the apply runs, says how many changes are done."""
    from django.core.cache import cache
    from django.test import Client

    from casedesk.inventory import imports

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": f"progress-test-{id(settings)}",
        }
    }
    org, mpoc = org_with_mpoc()
    rows = "".join(
        csv_row(kind="number", number=f"+1 720 555 {100 + i:04d}", service_address="9 Elm St") + "\r\n"
        for i in range(6)
    )
    job = start_import(mpoc, org, upload(HEADER + "\r\n" + rows), source="portal")
    assert job.status == ImportJob.Status.PREVIEWED and job.counts["add"] == 6, job.message
    client = Client()
    client.force_login(mpoc)
    url = f"/portal/inventory/imports/{job.pk}/progress/"
    seen: list[str] = []
    counted = imports._counted

    def watched(job_, changes):
        for change in counted(job_, changes):
            seen.append(client.get(url).json()["text"])
            yield change

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(imports, "_counted", watched)
    job = confirm_import(mpoc, job)
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert seen[0] == "0 of 6 changes applied"
    assert "2 of 6 changes applied" in seen and "4 of 6 changes applied" in seen
    assert client.get(url).json()["text"] == "6 rows read"  # finished: from the row again
    assert cache.get(f"progress:{imports.progress_key(job)}") is None


def test_embedded_progress_writes_nothing_to_the_database_cache(settings):
    from casedesk.core import progress

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "casedesk_cache"}
    }

    progress.report("x", 1, 2)
    assert progress.read("x") is None
