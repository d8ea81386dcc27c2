"""The console case page with the customer's own escalation list and the path chooser, on
a desktop and a phone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from casedesk.accounts.models import EscalationContact
from tests.browser.test_case_flow import login
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _seed_paths() -> None:
    """The published paths come from migrations; a transactional test before this one may
    have flushed them, so lay them out again (the seeds are idempotent)."""
    importlib.import_module("casedesk.sla.migrations.0002_plan_defaults").seed(apps, None)
    importlib.import_module("casedesk.sla.migrations.0004_support_path_order").forwards(apps, None)


def test_staff_see_the_customers_escalation_list_and_escalate_on_a_path(live_server, browser, shot):
    _seed_paths()
    team = TeamFactory(name="Cloud")
    platform = PlatformFactory(name="Hosted Voice", team=team)
    org = OrganisationFactory(name="Blue Ridge Logistics", platforms=[platform], legacy_network=True)
    for position, (name, title, phone) in enumerate(
        [("Dana Ridge", "IT Director", "303-555-0121"), ("Fran Ridge", "Controller", "303-555-0124")], start=1
    ):
        EscalationContact.objects.create(
            organisation=org,
            position=position,
            name=name,
            title=title,
            phone=phone,
            email=f"{name.split()[0].lower()}@blueridge.example.com",
        )
    case = make_case(by=customer(org), platform=platform, title="Inbound calls fail on the main number")
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    team.members.add(tech)
    for width in (1366, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        login(page, live_server.url, tech.email)
        page.goto(f"{live_server.url}/console/cases/{case.number}/")
        card = page.get_by_test_id("customer-escalation")
        assert card.is_visible()
        items = card.locator("li").all_inner_texts()
        assert [text.split("\n")[0] for text in items] == [
            "Dana Ridge, IT Director",
            "Fran Ridge, Controller",
        ]
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        if width == 1366:
            page.select_option("select[name=path]", "billing")
            page.fill("form:has(select[name=path]) textarea[name=reason]", "Invoice disputed for a month")
            page.click("button:has-text('Escalate to the next level')")
            assert "on the billing path to level 1" in page.locator(".msg.success").inner_text()
            assert "Billing: level 1" in page.get_by_test_id("escalation-levels").inner_text()
        shot(page, f"06-console-customer-escalation-list-{width}")
        page.context.close()
