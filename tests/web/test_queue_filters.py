"""The queue's organisation filter at scale (a name or an account number, a type-ahead
scoped by who asks and rate-limited, a hint when no script picked from the list), and the
queue page's query count with every filter set, which does not grow with its rows."""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casedesk.cases.models import Case
from casedesk.web.views import queues
from casedesk.workbench import saved_views
from casedesk.workbench.models import SavedView
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)
from tests.web.test_pages import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    team = TeamFactory(name="Cloud")
    tech = StaffFactory()
    team.members.add(tech)
    platform = PlatformFactory(name="Hosted Voice", code="voice", team=team)
    acme = OrganisationFactory(name="Acme Dental Group", account_number="ACME-1001", platforms=[platform])
    apex = OrganisationFactory(name="Acme Apex Labs", account_number="APX-2002", platforms=[platform])
    blue = OrganisationFactory(name="Blue Ridge Logistics", account_number="BRL-2002", platforms=[platform])
    cases = {
        org.name: make_case(by=customer(org), title=f"Phones down at {org.name}", platform=platform)
        for org in (acme, apex, blue)
    }
    return {"tech": tech, "team": team, "acme": acme, "blue": blue, "cases": cases, "client": logged_in(tech)}


def _page(client, query: str) -> str:
    response = client.get(f"/console/queue/open/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_filter_takes_a_name_or_an_account_number_in_any_case(desk):
    client, cases = desk["client"], desk["cases"]
    acme, blue = cases["Acme Dental Group"], cases["Blue Ridge Logistics"]
    for ref in ("Acme+Dental+Group", "acme+dental+group", "ACME-1001", "acme-1001", "+Acme++Dental+Group+"):
        page = _page(client, f"organisation={ref}")
        assert acme.number in page and blue.number not in page, ref
    page = _page(client, "organisation=BRL-2002")
    assert blue.number in page and acme.number not in page
    assert '<select name="organisation"' not in page  # no list of every organisation
    assert 'list="organisation-choices"' in page and "data-suggest=" in page


def test_a_partial_name_without_script_lists_what_it_could_mean(desk):
    client = desk["client"]
    page = _page(client, "organisation=acme&priority=P4")
    assert "No organisation is named exactly “acme”" in page
    assert "Acme Dental Group" in page and "Acme Apex Labs" in page and "Blue Ridge" not in page
    assert "?organisation=Acme+Dental+Group&amp;priority=P4" in page  # a link keeps the other filters
    blue = client.get("/console/queue/open/?organisation=ridge&priority=P4", follow=True)
    shown = "/console/queue/open/?organisation=Blue+Ridge+Logistics&priority=P4"
    assert blue.redirect_chain == [(shown, 302)]
    page = blue.content.decode()
    assert "Showing Blue Ridge Logistics (BRL-2002) for “ridge”." in page
    assert desk["cases"]["Blue Ridge Logistics"].number in page
    page = _page(client, "organisation=Nowhere+Inc")
    assert "No organisation is named “Nowhere Inc” or has that account number." in page
    assert "Nothing in this queue." in page


def test_an_organisation_with_nothing_open_is_no_mistake(desk):
    quiet = OrganisationFactory(name="Quiet Clinic")
    page = _page(desk["client"], f"organisation={quiet.account_number}")
    assert "Nothing in this queue." in page and "No organisation is named" not in page


def test_the_type_ahead_answers_staff_best_first_and_refuses_customers(desk):
    client = desk["client"]
    found = client.get("/console/organisations/suggest/", {"q": "ac"}).json()["organisations"]
    assert [o["name"] for o in found] == ["Acme Apex Labs", "Acme Dental Group"]
    assert found[1] == {"name": "Acme Dental Group", "account_number": "ACME-1001", "active": True}
    by_number = client.get("/console/organisations/suggest/", {"q": "brl-"}).json()["organisations"]
    assert [o["name"] for o in by_number] == ["Blue Ridge Logistics"]
    assert client.get("/console/organisations/suggest/", {"q": "a"}).json() == {"organisations": []}
    mpoc = logged_in(customer(desk["acme"]))
    refused = mpoc.get("/console/organisations/suggest/", {"q": "Blue"})
    assert refused.status_code == 403 and b"Blue Ridge" not in refused.content
    # Scoped for who asks: a customer's own look-up knows only their organisation.
    from casedesk.accounts import selectors as accounts

    dana = customer(desk["acme"])
    assert accounts.suggest_organisations(dana, "Blue") == []
    assert [o.name for o in accounts.suggest_organisations(dana, "acme")] == ["Acme Dental Group"]


def test_the_type_ahead_is_rate_limited_per_staff_member(desk, monkeypatch):
    monkeypatch.setattr(queues, "SUGGEST_PER_MINUTE", 3)
    client = desk["client"]
    answers = [client.get("/console/organisations/suggest/", {"q": "acme"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = logged_in(StaffFactory())
    assert other.get("/console/organisations/suggest/", {"q": "acme"}).status_code == 200


def test_saved_views_naming_an_organisation_by_id_are_moved_to_its_name(desk):
    from importlib import import_module

    migration = import_module("casedesk.workbench.migrations.0002_views_name_organisations")
    view = SavedView.objects.create(
        name="Acme P4",
        queue="open",
        query=f"organisation={desk['acme'].pk}&priority=P4",
        owner=desk["tech"],
        created_at=timezone.now(),
    )
    migration.ids_to_names(django_apps, None)
    view.refresh_from_db()
    assert view.query == "organisation=Acme+Dental+Group&priority=P4"
    page = desk["client"].get(f"/console/queue/open/?{view.query}").content.decode()
    assert desk["cases"]["Acme Dental Group"].number in page


FILTERED = (
    "status=in_progress&priority=P4&organisation=Acme+Dental+Group&platform=voice&team={team}&assignee={tech}"
    "&channel=portal&opened_from=2000-01-01&opened_to=2100-01-01&updated_from=2000-01-01"
    "&updated_to=2100-01-01&sort=-updated"
)


@pytest.mark.parametrize("queue", ["open", "team", "mine", "triage", "closed", "all"])
def test_the_queue_page_makes_at_most_ten_queries_whatever_its_rows(desk, settings, queue):
    tech, team, acme = desk["tech"], desk["team"], desk["acme"]
    saved_views.save_view(tech, name="Mine", queue="open", query="priority=P4", team=team)
    query = FILTERED.format(team=team.pk, tech=tech.pk)
    client = desk["client"]

    def count(path: str) -> int:
        client.get(path)  # warm: the first request of a client may fill caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    mpoc = customer(acme)
    for _ in range(2):
        make_case(by=mpoc, title="More", platform=desk["cases"]["Acme Dental Group"].platform)
    from casedesk.cases import actions

    for case in Case.objects.filter(organisation=acme):
        actions.disposition(case, by=tech, priority="P4", team=team, assignee=tech)
    settings.CASEDESK_PAGE_SIZE = 2
    few = {"plain": count(f"/console/queue/{queue}/"), "filtered": count(f"/console/queue/{queue}/?{query}")}
    for _ in range(6):
        case = make_case(by=mpoc, title="Yet more", platform=desk["cases"]["Acme Dental Group"].platform)
        actions.disposition(case, by=tech, priority="P4", team=team, assignee=tech)
    settings.CASEDESK_PAGE_SIZE = 8
    many = {"plain": count(f"/console/queue/{queue}/"), "filtered": count(f"/console/queue/{queue}/?{query}")}
    assert few == many
    assert max(many.values()) <= 10, many
    if queue not in {"closed", "triage"}:  # the filtered page shows rows (no hint look-up)
        assert "Yet more" in client.get(f"/console/queue/{queue}/?{query}").content.decode()


def test_tabs_count_for_staff_in_no_team_and_roles_that_see_no_cases(desk):
    from tests.factories import BillingFactory

    loner = logged_in(StaffFactory())  # in no team: the team tab counts nothing
    page = loner.get("/console/queue/open/").content.decode()
    assert 'data-testid="count-team">0<' in page and 'data-testid="count-open">3<' in page
    billing = logged_in(BillingFactory()).get("/console/queue/open/")
    assert billing.status_code == 200 and 'data-testid="count-open">0<' in billing.content.decode()


def test_tab_counts_stop_at_the_cap(desk, monkeypatch):
    from casedesk.cases import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    page = desk["client"].get("/console/queue/open/").content.decode()
    assert 'data-testid="count-open">2+<' in page


def test_the_sla_report_takes_an_organisation_by_name_or_number(desk):
    from tests.factories import ManagerFactory

    manager = logged_in(ManagerFactory())
    page = manager.get("/console/reports/sla/", {"organisation": "acme-1001"}).content.decode()
    assert "for Acme Dental Group" in page and '<select name="organisation"' not in page
    assert "organisation=ACME-1001&amp;format=csv" in page
    page = manager.get("/console/reports/sla/", {"organisation": "acme"}).content.decode()
    assert "No organisation is named “acme” or has that account number; did you mean" in page
    assert "Acme Dental Group" in page
    csv = manager.get("/console/reports/sla/", {"organisation": "Blue Ridge Logistics", "format": "csv"})
    assert csv["Content-Disposition"].endswith('-BRL-2002.csv"')
