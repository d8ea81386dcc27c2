"""Bulk changes: each case through its own action, one timeline entry each, refusals by number."""

from __future__ import annotations

import pytest

from casedesk.cases.models import Case, CaseEvent
from casedesk.workbench import bulk
from tests.factories import (
    OrganisationFactory,
    PlatformFactory,
    RepresentativeFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    team = TeamFactory(name="Cloud")
    tech = StaffFactory(first_name="Theo")
    team.members.add(tech)
    org = OrganisationFactory(platforms=[PlatformFactory(team=team)])
    mpoc = customer(org)
    cases = [make_case(by=mpoc, title=f"Case {i}") for i in range(3)]
    return {"team": team, "tech": tech, "org": org, "mpoc": mpoc, "cases": cases}


def test_assigning_three_cases_writes_one_change_entry_for_each(desk):
    tech, cases = desk["tech"], desk["cases"]
    before = {c.pk: c.events.count() for c in cases}
    outcome = bulk.apply(tech, [c.number for c in cases], bulk.Request(bulk.Change.ASSIGN, assignee=tech))
    assert outcome.done == [c.number for c in cases] and outcome.refused == []
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        assert case.assignee == tech
        changes = case.events.filter(kind=CaseEvent.Kind.CHANGE).exclude(pk__in=[])
        assert changes.filter(changes__has_key="assignee").count() == 1
        # the assignment picks a New case up: its status entry follows from the same action
        assert case.events.count() - before[case.pk] in (1, 2)


def test_a_refused_case_is_named_with_why_and_the_others_go_on(desk):
    rep = RepresentativeFactory()
    first, second, _third = desk["cases"]
    outcome = bulk.apply(
        rep,
        [first.number, "CS-999999", second.number],
        bulk.Request(bulk.Change.PRIORITY, priority="P2"),  # representatives may not set priorities
    )
    assert outcome.done == []
    numbers = [number for number, _ in outcome.refused]
    assert numbers == [first.number, "CS-999999", second.number]
    assert dict(outcome.refused)["CS-999999"] == "No such case."
    assert Case.objects.get(pk=first.pk).priority == "P4"


def test_team_priority_and_status_go_through_the_case_rules(desk):
    tech, team, (first, second, _third) = desk["tech"], desk["team"], desk["cases"]
    numbers = [first.number, second.number]
    assert bulk.apply(tech, numbers, bulk.Request(bulk.Change.TEAM, team=team)).done == numbers
    assert bulk.apply(tech, numbers, bulk.Request(bulk.Change.PRIORITY, priority="P3")).done == numbers
    assert set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("team", "priority")) == {
        (team.pk, "P3")
    }
    closing = bulk.apply(tech, numbers, bulk.Request(bulk.Change.STATUS, to="closed"))
    assert [n for n, _ in closing.refused] == numbers
    assert "resolution" in closing.refused[0][1]
    closed = bulk.apply(tech, numbers, bulk.Request(bulk.Change.STATUS, to="closed", resolution="Fixed."))
    assert closed.done == numbers


def test_duplicates_of_one_main_case(desk):
    tech, (main, second, third) = desk["tech"], desk["cases"]
    other_org = make_case(title="Elsewhere")
    outcome = bulk.apply(
        tech,
        [second.number, third.number, other_org.number, main.number],
        bulk.Request(bulk.Change.DUPLICATE, main_case=main.number),
    )
    assert outcome.done == [second.number, third.number]
    refused = dict(outcome.refused)
    assert "same organisation" in refused[other_org.number] and main.number in refused
    assert Case.objects.get(pk=second.pk).duplicate_of == main
    with pytest.raises(bulk.Refused, match="no case CS-000000"):
        bulk.apply(tech, [second.number], bulk.Request(bulk.Change.DUPLICATE, main_case="CS-000000"))


def test_nothing_selected_or_too_many_is_refused(desk):
    with pytest.raises(bulk.Refused, match="at least one"):
        bulk.apply(desk["tech"], [], bulk.Request(bulk.Change.ASSIGN))
    with pytest.raises(bulk.Refused, match="At most"):
        bulk.apply(desk["tech"], [str(n) for n in range(1, 300)], bulk.Request(bulk.Change.ASSIGN))


def test_a_customer_cannot_reach_cases_through_bulk(desk):
    outsider = customer()
    outcome = bulk.apply(outsider, [desk["cases"][0].number], bulk.Request(bulk.Change.ASSIGN))
    assert outcome.refused == [(desk["cases"][0].number, "No such case.")]
