"""Bulk changes: each case through its own action, one timeline entry each, refusals by number."""

from __future__ import annotations

import re

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


def _resolve_all(tech, cases):
    return bulk.apply(
        tech,
        [c.number for c in cases],
        bulk.Request(bulk.Change.STATUS, to="resolved_follow_up", resolution="Fixed by the carrier."),
    )


def test_a_bulk_resolution_notifies_each_customer_and_stores_each_clock_as_one_case_would(desk):
    from casedesk.cases import clocks
    from casedesk.outbox.models import OutboundMessage

    tech, org, mpoc = desk["tech"], desk["org"], desk["mpoc"]
    cases = [make_case(by=mpoc, title=f"Bulk {i}") for i in range(4)]
    bulk.apply(tech, [c.number for c in cases], bulk.Request(bulk.Change.PRIORITY, priority="P2"))
    single = make_case(by=mpoc, title="On its own")
    from casedesk.cases import actions

    actions.disposition(single, by=tech, priority="P2", team=single.team, assignee=None)
    actions.transition(single, to="resolved_follow_up", by=tech, resolution="Fixed by the carrier.")
    assert _resolve_all(tech, cases).done == [c.number for c in cases]
    fields = ("next_due_at", "next_alert_at", "next_update_due", "auto_close_at", "sla_paused")
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("organisation"):
        resolved = OutboundMessage.objects.filter(case=case, kind="case_resolved")
        assert list(resolved.values_list("to", flat=True)) == [mpoc.email]
        _, values, _ = clocks.compute(case)
        stored = {name: getattr(case, name) for name in fields if name in values}
        assert stored == {name: values[name] for name in stored}
    # the same notice as a case resolved on its own page, but for the case
    alone = OutboundMessage.objects.get(case=single, kind="case_resolved")
    together = OutboundMessage.objects.get(case=cases[0], kind="case_resolved")

    def same(text, case, title):
        # each confirmation link is the case's own
        return re.sub(r"confirm/\S+", "confirm/", text.replace(case.number, "#").replace(title, "T"))

    assert same(together.text, cases[0], "Bulk 0") == same(alone.text, single, "On its own")
    assert "confirm/" in alone.text and org.pk == cases[0].organisation_id


def test_a_bulk_change_costs_a_few_statements_a_case_and_a_few_a_chunk(desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tech, mpoc = desk["tech"], desk["mpoc"]
    few = [make_case(by=mpoc, title=f"Few {i}") for i in range(5)]
    many = [make_case(by=mpoc, title=f"Many {i}") for i in range(20)]
    for chosen in (few, many):
        bulk.apply(tech, [c.number for c in chosen], bulk.Request(bulk.Change.PRIORITY, priority="P2"))
    counts = []
    for chosen in (few, many):
        with CaptureQueriesContext(connection) as captured:
            assert _resolve_all(tech, chosen).refused == []
        counts.append(len(captured.captured_queries))
    # the follow-ups of every entry (clocks, notices, search) are written once a chunk
    assert (counts[1] - counts[0]) / 15 <= 6, counts


def test_an_action_refused_after_writing_leaves_no_notice_or_clock_behind(desk):
    from django.db import transaction

    from casedesk.cases import actions
    from casedesk.core.errors import Refused
    from casedesk.outbox.models import OutboundMessage
    from casedesk.rules.lifecycle import Actor

    tech, (first, second, _third) = desk["tech"], desk["cases"]
    with transaction.atomic(), actions.batch([first.pk, second.pk]) as batch:
        with pytest.raises(Refused), batch.part(), transaction.atomic():
            actions.record(actions.lock(first), tech, Actor.STAFF, CaseEvent.Kind.COMMENT, body="Gone")
            raise Refused("refused after its entry was written")
        with batch.part():
            actions.record(actions.lock(second), tech, Actor.STAFF, CaseEvent.Kind.COMMENT, body="Kept")
    assert not CaseEvent.objects.filter(body="Gone").exists()
    assert OutboundMessage.objects.filter(case=second, kind="staff_reply").count() == 1
    assert not OutboundMessage.objects.filter(case=first, kind="staff_reply").exists()
