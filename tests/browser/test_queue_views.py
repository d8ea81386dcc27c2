"""Queues in a real browser, on a laptop (1366 px) and a phone (390 px): a technician filters
the open queue (the organisation picked from the type-ahead), saves the filters as a view
for the team and one for themselves, opens the view again, bulk-assigns three cases and
sees the result, then sets a priority on three where one is refused and sees which and why.
No width scrolls sideways; on the phone the menu folds."""

from __future__ import annotations

import re

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.workbench.models import SavedView
from tests.browser.test_case_flow import login
from tests.factories import (
    AdministratorFactory,
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def desk():
    cloud, network = TeamFactory(name="Cloud"), TeamFactory(name="Network")
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    cloud.members.add(tech)
    marcus = ManagerFactory(first_name="Marcus", last_name="Manager")
    cloud.members.add(marcus)
    voice = PlatformFactory(name="Hosted Voice", code="voice", team=cloud)
    circuits = PlatformFactory(name="Circuits", code="circuits", team=network)
    acme = OrganisationFactory(
        name="Acme Dental Group", account_number="ACME-1001", platforms=[voice, circuits]
    )
    other = OrganisationFactory(name="Acme Apex Labs", account_number="APX-2002", platforms=[voice])
    for n in range(3):  # organisations the type-ahead must tell apart from Acme's
        OrganisationFactory(name=f"Acorn Veterinary {n}")
    mpoc = customer(acme, name="Dana Mpoc")
    ours = [make_case(by=mpoc, title=f"Desk phone {n} lost registration", platform=voice) for n in range(3)]
    theirs = make_case(by=mpoc, title="Branch circuit flapping", platform=circuits)
    apex = make_case(by=customer(other), title="Apex voicemail full", platform=voice)
    admin = AdministratorFactory()
    for case in [*ours, apex]:
        actions.disposition(case, by=admin, priority="P3", team=cloud, assignee=None)
    actions.disposition(theirs, by=admin, priority="P3", team=network, assignee=None)
    return {"tech": tech, "marcus": marcus, "ours": ours, "theirs": theirs, "apex": apex}


def _fits(page, width: int, name: str) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_SIDEWAYS), f"{name} at {width} px scrolls sideways: {wide}"


def _tick(page, numbers: list[str]) -> None:
    for number in numbers:
        page.check(f"#queue input[name=cases][value='{number}']")


def _message(page) -> str:
    return page.locator("ul.messages").inner_text()


@pytest.mark.parametrize("width", [1366, 390])
def test_filter_save_a_view_reopen_it_and_bulk_assign(live_server, browser, shot, desk, width):
    base, tech = live_server.url, desk["tech"]
    ours, theirs, apex = desk["ours"], desk["theirs"], desk["apex"]
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, base, tech.email)
    page.goto(f"{base}/console/queue/open/")
    _fits(page, width, "queue")
    if width <= 720:
        toggle = page.locator(".menu-toggle")
        assert toggle.is_visible() and not page.locator("#site-menu nav a").first.is_visible()
        toggle.click()
        assert page.locator("#site-menu nav a", has_text="Queues").is_visible()
        _fits(page, width, "queue with the menu open")
        shot(page, f"13-queue-menu-{width}")
        toggle.click()

    # Filters: the organisation picked from what the type-ahead offers, then a priority. On
    # a phone they are folded away until asked for.
    panel = page.locator("#filter-panel")
    if width <= 720:
        assert not page.locator("#filters").is_visible()
        panel.locator("summary").click()
    assert page.locator("#filters").is_visible()
    field = page.locator("#filters input[name=organisation]")
    field.press_sequentially("acme", delay=30)
    page.locator("#organisation-choices option[value='Acme Dental Group']").wait_for(state="attached")
    offered = page.eval_on_selector_all("#organisation-choices option", "os => os.map(o => o.value)")
    assert offered == ["Acme Apex Labs", "Acme Dental Group"]
    field.fill("Acme Dental Group")  # what choosing the offered option puts in the field
    page.select_option("#filters select[name=priority]", "P3")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"organisation=Acme\+Dental\+Group"))
    rows = page.locator("#queue tbody")
    for case in [*ours, theirs]:
        assert case.number in rows.inner_text()
    assert apex.number not in rows.inner_text()
    _fits(page, width, "filtered queue")
    shot(page, f"13-queue-filtered-{width}")

    # Save the filters as a view for the team, and another for the technician alone.
    save = page.locator("#save-view")
    assert save.is_visible()  # open when filters are set
    save.locator("input[name=name]").fill("Acme P3")
    save.locator("select[name=team]").select_option(label="The Cloud team")
    save.locator("button[type=submit]").click()
    assert "View “Acme P3” saved for the Cloud team." in _message(page)
    page.locator("#save-view input[name=name]").fill("Acme P3, mine")
    page.click("#save-view button[type=submit]")
    assert "View “Acme P3, mine” saved." in _message(page)
    views = page.locator("nav.saved-views")
    assert views.locator("a", has_text="Acme P3, mine").is_visible()
    assert views.locator(".saved-view", has_text="Acme P3").first.locator(".badge").inner_text() == "Cloud"
    assert SavedView.objects.filter(team__name="Cloud", name="Acme P3").exists()
    _fits(page, width, "saved views")
    shot(page, f"13-queue-view-saved-{width}")

    # Reopen: from a plain queue, the view brings its filters back.
    page.click("text=Clear")
    assert apex.number in page.locator("#queue tbody").inner_text()
    page.locator("nav.saved-views a", has_text="Acme P3").first.click()
    page.wait_for_url(re.compile(r"priority=P3"))
    assert page.locator("#filters input[name=organisation]").input_value() == "Acme Dental Group"
    assert page.locator("#filters select[name=priority]").input_value() == "P3"
    assert apex.number not in page.locator("#queue tbody").inner_text()
    # Both views name these filters.
    assert page.locator("nav.saved-views a.current", has_text="Acme P3").count() == 2
    assert "2 set" in panel.locator("summary").inner_text()
    shot(page, f"13-queue-view-reopened-{width}")

    # Bulk-assign three cases: select them, choose the change and the person, apply.
    three = [case.number for case in ours]
    _tick(page, three)
    page.select_option("#bulk select[name=change]", "assign")
    assert page.locator("#bulk select[name=assignee]").is_visible()
    assert not page.locator("#bulk select[name=priority]").is_visible()  # only what the change needs
    page.select_option("#bulk select[name=assignee]", label="Marcus Manager")
    shot(page, f"13-queue-bulk-chosen-{width}")
    page.click("#bulk button[type=submit]")
    text = _message(page)
    assert "Changed 3 case(s): " in text and all(number in text for number in three)
    assert "not changed" not in text
    page.wait_for_url(re.compile(r"priority=P3"))  # back on the view, its filters kept
    for number in three:
        row = page.locator("#queue tbody tr", has=page.locator(f"input[value='{number}']"))
        assert "Marcus Manager" in row.locator("td[data-label=Assignee]").inner_text()
    assert set(Case.objects.filter(pk__in=[c.pk for c in ours]).values_list("assignee", flat=True)) == {
        desk["marcus"].pk
    }
    _fits(page, width, "after the bulk change")
    shot(page, f"13-queue-bulk-assigned-{width}")

    # A priority on three, one of another team's: two changed, the third named with why.
    _tick(page, [ours[0].number, ours[1].number, theirs.number])
    page.select_option("#bulk select[name=change]", "priority")
    page.select_option("#bulk select[name=priority]", "P2")
    page.click("#bulk button[type=submit]")
    text = _message(page)
    assert "Changed 2 case(s): " in text and ours[0].number in text and ours[1].number in text
    assert f"Not changed: {theirs.number} belongs to the Network team" in text
    assert Case.objects.get(pk=theirs.pk).priority == "P3"
    _fits(page, width, "a refusal")
    shot(page, f"13-queue-bulk-refused-{width}")
