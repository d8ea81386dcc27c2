"""A financial contact opens BillCenter, downloads the PDF and disputes a line; billing staff
uphold it in the console; the next invoice carries the credit. Every page at a laptop's
1366 px and a phone's 390 px, never scrolling sideways."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from casedesk.billing import actions
from casedesk.billing.models import Dispute, Invoice
from tests.billing.helpers import world
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def snap(page, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"billing-{name}-{width}.png"), full_page=True)
        assert page.evaluate(NO_SIDEWAYS), f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1366, "height": 900})


@time_machine.travel(timezone.make_aware(datetime(2026, 12, 2, 10, 0)), tick=True)
def test_dispute_upheld_and_credited_on_the_next_invoice(live_server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = world(lines=6)
    w.org.name = "Acme Dental Group"
    w.org.save(update_fields=["name"])
    with time_machine.travel(timezone.make_aware(datetime(2026, 10, 27, 6, 0)), tick=False):
        actions.issue(w.org, "2026-10")
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 27, 6, 0)), tick=False):
        november = actions.issue(w.org, "2026-11")
    base = live_server.url

    customer = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = customer.new_page()
    login(page, base, w.fin.email)
    page.click("text=BillCenter")
    page.wait_for_selector("[data-testid=invoice]")
    assert november.reference in page.inner_text("[data-testid=invoice]")
    assert f"USD {november.total}" in page.inner_text("[data-testid=invoice-total]")
    snap(page, "billcenter")
    with page.expect_download() as download:
        page.click("[data-testid=download-pdf]")
    pdf = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == november.pdf_sha256

    line = november.lines.order_by("position").first()
    assert line is not None
    page.check(f"#line-{line.pk}")
    page.fill("#dispute-reason", "This licence was cancelled in October.")
    with page.expect_navigation():
        page.click("[data-testid=dispute]")
    dispute = Dispute.objects.get()
    assert dispute.case.number in page.inner_text("main")
    snap(page, "dispute-case")

    staff = browser.new_context(viewport={"width": 1366, "height": 900})
    console = staff.new_page()
    login(console, base, w.billing.email)
    console.goto(f"{base}/console/billing/")
    console.wait_for_selector("[data-testid=dispute]")
    assert dispute.case.number in console.inner_text("[data-testid=dispute]")
    snap(console, "console")
    console.fill(f"#note-{dispute.pk}", "Confirmed: cancelled on 30 October.")
    with console.expect_navigation():
        console.click("[data-testid=uphold]")
    assert "upheld: credit note CN-000001" in console.inner_text("main")
    dispute.refresh_from_db()
    assert dispute.status == "upheld" and dispute.credit_note is not None

    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 27, 6, 0)), tick=False):
        december = actions.issue(w.org, "2026-12")
    credit = december.lines.get(kind="credit")
    assert credit.amount == -dispute.amount
    page.goto(f"{base}/portal/billing/")
    page.wait_for_selector("[data-testid=invoice]")
    text = page.inner_text("main")
    assert december.reference in text and "CN-000001" in text
    snap(page, "next-invoice")
    assert Invoice.objects.filter(organisation=w.org).count() == 3
    customer.close()
    staff.close()
