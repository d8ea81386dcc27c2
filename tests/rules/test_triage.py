"""Priorities and triage, as tables written out from the plan (SPEC §1-§3, §5)."""

from __future__ import annotations

import pytest

from casedesk.rules import permissions as perms
from casedesk.rules import triage
from casedesk.rules.permissions import Ability, StaffRole
from casedesk.rules.triage import Priority, PriorityRefused

P1, P2, P3, P4, P1G = Priority.P1, Priority.P2, Priority.P3, Priority.P4, Priority.P1G


def held(role: StaffRole) -> frozenset[Ability]:
    return perms.DEFAULTS[role]


def test_one_list_of_priorities_in_the_plans_order_with_labels():
    assert [p.value for p in Priority] == ["P1", "P2", "P3", "P4", "P1G"]
    assert {p: p.label for p in Priority} == {
        P1: "Priority 1",
        P2: "Priority 2",
        P3: "Priority 3",
        P4: "Priority 4",
        P1G: "Priority 1G (Global)",
    }


def test_the_sla_rules_and_the_case_model_use_this_list():
    from casedesk.rules import sla

    assert sla.Priority is Priority


# Which priorities each staff role may set by default (disposition or opening for a caller).
SETTABLE = {
    StaffRole.REPRESENTATIVE: set(),
    StaffRole.TECHNICIAN: {P1, P2, P3, P4},
    StaffRole.MANAGER: {P1, P2, P3, P4},
    StaffRole.BILLING: set(),
    StaffRole.ADMINISTRATOR: {P1, P2, P3, P4},
}


@pytest.mark.parametrize(("role", "priority"), [(r, p) for r in StaffRole for p in Priority])
def test_who_may_set_which_priority(role, priority):
    assert triage.may_set(priority, held(role)) is (priority in SETTABLE[role])


def test_p1g_is_never_set_by_a_disposition_even_by_an_administrator():
    with pytest.raises(PriorityRefused, match="reserved for master cases") as exc:
        triage.check("P1G", held(StaffRole.ADMINISTRATOR))
    assert not exc.value.forbidden  # the request is wrong, not the role


def test_p1_needs_its_own_ability():
    only_p2_p4 = held(StaffRole.TECHNICIAN) - {Ability.SET_P1}
    assert triage.settable(only_p2_p4) == [P2, P3, P4]
    with pytest.raises(PriorityRefused, match="P2, P3, P4 but not P1") as exc:
        triage.check("P1", only_p2_p4)
    assert exc.value.forbidden
    assert triage.check("P2", only_p2_p4) == P2


def test_a_role_that_does_not_triage_is_refused_any_change_but_may_keep_the_current():
    rep = held(StaffRole.REPRESENTATIVE)
    with pytest.raises(PriorityRefused, match="does not set priorities") as exc:
        triage.check("P3", rep, current=P4)
    assert exc.value.forbidden
    assert triage.check("P4", rep, current=P4) == P4
    assert triage.check("P1G", rep, current=P1G) == P1G  # keeping a master case's priority


def test_unknown_priority():
    with pytest.raises(PriorityRefused, match="Unknown priority 'P9'") as exc:
        triage.check("P9", held(StaffRole.ADMINISTRATOR))
    assert not exc.value.forbidden


@pytest.mark.parametrize(
    ("role", "current", "offered"),
    [
        (StaffRole.TECHNICIAN, None, [P1, P2, P3, P4]),
        (StaffRole.TECHNICIAN, P1G, [P1, P2, P3, P4, P1G]),
        (StaffRole.REPRESENTATIVE, None, []),
        (StaffRole.REPRESENTATIVE, P2, [P2]),
        (StaffRole.BILLING, P4, [P4]),
    ],
)
def test_what_a_form_offers(role, current, offered):
    assert triage.settable(held(role), current) == offered


@pytest.mark.parametrize(
    ("by_staff", "priority", "master", "start"),
    [
        (False, None, False, (P4, True)),  # a customer: portal, e-mail, API
        (False, P1, False, (P4, True)),  # a customer cannot choose
        (True, None, False, (P4, True)),  # staff without a priority: triage decides
        (True, P2, False, (P2, False)),  # staff dispositioned it at once
        (True, None, True, (P1G, False)),  # a master case
    ],
)
def test_how_a_case_starts(by_staff, priority, master, start):
    got = triage.start(by_staff=by_staff, priority=priority, master=master)
    assert (got.priority, got.needs_triage) == start


@pytest.mark.parametrize(
    ("priority", "pages"), [(P1, True), (P2, True), (P3, False), (P4, False), (P1G, True)]
)
def test_which_priorities_page_the_on_call_manager(priority, pages):
    assert triage.pages_on_call(priority) is pages
    assert triage.pages_on_call(priority.value) is pages
