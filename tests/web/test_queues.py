"""The console queue page: closed cases, filters, sorting, tab counts, live rows, bulk, views."""

from __future__ import annotations

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.workbench.models import SavedView
from tests.factories import OrganisationFactory, StaffFactory, TeamFactory, customer, make_case
from tests.web.test_pages import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    team = TeamFactory(name="Cloud")
    tech = StaffFactory()
    team.members.add(tech)
    mpoc = customer(OrganisationFactory())
    cases = [make_case(by=mpoc, title=f"Case {i}") for i in range(3)]
    actions.disposition(cases[0], by=tech, priority="P4", team=team, assignee=tech)
    actions.transition(cases[0], to="closed", by=tech, resolution="Done.")
    return {"tech": tech, "team": team, "cases": cases, "client": logged_in(tech)}


def test_closed_cases_filters_sort_and_counts(desk):
    client, (closed, second, third) = desk["client"], desk["cases"]
    page = client.get("/console/queue/closed/").content.decode()
    assert closed.number in page and second.number not in page
    page = client.get("/console/queue/open/?sort=-number").content.decode()
    assert page.index(third.number) < page.index(second.number)
    assert 'data-testid="count-open">2<' in page and 'data-testid="count-triage">2<' in page
    page = client.get("/console/queue/all/?status=closed&opened_from=2000-01-01").content.decode()
    assert closed.number in page and second.number not in page
    assert second.number not in client.get("/console/queue/open/?opened_to=2000-01-01").content.decode()


def test_rows_answer_304_while_unchanged(desk):
    client = desk["client"]
    first = client.get("/console/queue/open/rows/")
    assert first.status_code == 200 and desk["cases"][1].number in first.content.decode()
    again = client.get("/console/queue/open/rows/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    actions.correct(desk["cases"][1], by=desk["tech"], title="Renamed")
    assert client.get("/console/queue/open/rows/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_bulk_assign_reports_each_refusal_and_saving_a_view(desk):
    client, tech, (_closed, second, third) = desk["client"], desk["tech"], desk["cases"]
    response = client.post(
        "/console/queue/open/bulk/",
        {"change": "assign", "assignee": tech.pk, "cases": [second.number, third.number, "CS-999999"]},
        follow=True,
    )
    page = response.content.decode()
    assert "Changed 2 case(s)" in page and "CS-999999 not changed: No such case." in page
    assert set(Case.objects.filter(assignee=tech).values_list("pk", flat=True)) >= {second.pk, third.pk}
    client.post("/console/views/", {"name": "P4s", "queue": "open", "query": "priority=P4&page=2"})
    view = SavedView.objects.get()
    assert (view.owner, view.query) == (tech, "priority=P4")
    assert "P4s" in client.get("/console/queue/open/").content.decode()


def test_case_page_reply_and_note_apart_and_status_choice_kept(desk):
    client, case = desk["client"], desk["cases"][1]
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "Send reply to the customer" in page and "Add internal note" in page
    assert page.count(case.description or "\x00") <= 1
    refused = client.post(f"/console/cases/{case.number}/transition/", {"to": "on_hold", "note": "wait"})
    assert refused.status_code == 400
    assert '<option value="on_hold" selected>' in refused.content.decode()
    assert client.post(f"/console/cases/{case.number}/escalate/", {"reason": " "}).status_code == 400
