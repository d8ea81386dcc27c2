"""An MPOC exports the inventory, edits it, re-imports it (a preview with an error row, the
row fixed, confirmed, applied) and adds a number seeing its charge first; every page at a
laptop's 1366 px and a phone's 390 px, never scrolling sideways."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from casedesk.inventory import actions
from casedesk.inventory.models import Item
from casedesk.rules.inventory import Change
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login
from tests.factories import OrganisationFactory, PlatformFactory, customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def snap(page, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"inventory-{name}-{width}.png"), full_page=True)
        assert page.evaluate(NO_SIDEWAYS), f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1366, "height": 900})


@time_machine.travel(timezone.make_aware(datetime(2026, 11, 17, 10, 0)), tick=True)
def test_mpoc_bulk_edits_by_csv_and_adds_a_number(live_server, browser, tmp_path: Path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    voice = PlatformFactory(name="Hosted Voice", code="hosted-voice")
    org = OrganisationFactory(name="Acme Dental Group", platforms=[voice])
    mpoc = customer(org)
    address = "100 Example Way, Denver CO 80202"
    dana = "dana@acme.example.com"
    number = {
        "number": "+1 720 555 0101",
        "service_address": address,
        "assigned_to": dana,
        "monthly_price": "1.50",
    }
    licence = {
        "platform": "hosted-voice",
        "product": "Business voice seat",
        "assigned_to": dana,
        "monthly_price": "18.00",
    }
    changes = [
        Change("seat", "add", values={"email": dana, "name": "Dana Acme", "site": "HQ"}),
        Change("number", "add", values={**number, "site": "HQ"}),
        Change("licence", "add", values={**licence, "site": "HQ"}),
        Change("feature", "add", values={"feature_type": "hunt_group", "name": "Front desk", "site": "HQ"}),
    ]
    actions.apply_changes(mpoc, org, changes)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    base = live_server.url
    login(page, base, mpoc.email)
    page.click("text=Services")
    page.wait_for_selector("table.inventory")
    assert "+1 720-555-0101" in page.inner_text("table.inventory")
    snap(page, "list")

    with page.expect_download() as download:
        page.click("text=Export CSV")
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "+17205550101" in exported  # the "+" kept
    lines = exported.splitlines()
    header = lines[0].split(",")

    def row(**cells: str) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([cells.get(c, "") for c in header])
        return out.getvalue()

    edited = exported.replace("18.00", "20.00")  # the licence's price
    bad = edited + row(kind="number", number="+1 720 555", service_address="HQ") + "\n"
    bad_file = tmp_path / "inventory.csv"
    bad_file.write_text(bad, encoding="utf-8")
    page.set_input_files("#import-file", str(bad_file))
    page.click("text=Upload and preview")
    page.wait_for_selector("#why-not")
    assert "1 row(s) cannot be applied" in page.inner_text("#why-not")
    assert "not a valid phone number" in page.inner_text("table.import-rows")
    assert page.locator("#confirm-import").count() == 0
    snap(page, "import-errors")

    good = (
        edited
        + row(kind="number", number="+1 720 555 0102", service_address=address, monthly_price="1.50")
        + "\n"
    )
    good_file = tmp_path / "inventory-fixed.csv"
    good_file.write_text(good, encoding="utf-8")
    page.click("text=← Acme Dental Group: services")
    page.set_input_files("#import-file", str(good_file))
    page.click("text=Upload and preview")
    page.wait_for_selector("#import-progress")
    assert page.locator("#confirm-import").count() == 1, page.inner_text("main")
    assert "$3.50" in page.inner_text("#charge")  # a new number at 1.50, the licence 2.00 more
    assert page.locator("#import-progress progress").get_attribute("value") == "100"
    snap(page, "import-preview")
    page.click("#confirm-import")
    page.wait_for_selector("text=change(s) applied.")
    snap(page, "import-applied")
    assert Item.objects.filter(organisation=org, kind="number").count() == 2
    assert str(Item.objects.get(organisation=org, kind="licence").monthly_price) == "20.00"

    page.click("text=← Acme Dental Group: services")
    page.click("text=Add a phone number")
    page.fill("#f_number", "(720) 555-0103")
    page.fill("#f_service_address", address)
    page.fill("#f_assigned_to", "dana@acme.example.com")
    page.fill("#f_monthly_price", "30")
    page.fill("#f_site", "HQ")
    snap(page, "add-number")
    page.click("text=Review the change")
    page.wait_for_selector("#charge")
    charge = page.inner_text("#charge")
    assert "$30.00" in charge and "$14.00" in charge  # 14 of November's 30 days
    assert not Item.objects.filter(key="+17205550103").exists()
    snap(page, "add-number-charge")
    page.click("form.confirm-form button[type=submit]")
    page.wait_for_selector(".msg")
    assert "$14.00 for the rest of November" in page.inner_text(".messages")
    assert Item.objects.filter(organisation=org, key="+17205550103").exists()
    snap(page, "after-add")
    context.close()
