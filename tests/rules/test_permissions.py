"""Who may do what (SPEC §1), the table written out by hand, row by row."""

from __future__ import annotations

import pytest

from casedesk.rules import permissions as perms
from casedesk.rules.permissions import Ability, CustomerRole, StaffRole

A = Ability
C = CustomerRole
S = StaffRole

# Every (role, ability) the defaults grant; anything absent is refused.
EXPECTED: dict[perms.Role, set[Ability]] = {
    C.PRIMARY_MPOC: {
        A.VIEW_ORGANISATION_CASES,
        A.VIEW_OWN_CASES,
        A.OPEN_CASE,
        A.COMMENT,
        A.REQUEST_REOPEN,
        A.CONFIRM_RESOLUTION,
        A.ESCALATE,
        A.APPROVE_MACD,
        A.MANAGE_PARTICIPANTS,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    },
    C.SECONDARY_MPOC: {
        A.VIEW_ORGANISATION_CASES,
        A.VIEW_OWN_CASES,
        A.OPEN_CASE,
        A.COMMENT,
        A.REQUEST_REOPEN,
        A.CONFIRM_RESOLUTION,
        A.ESCALATE,
        A.APPROVE_MACD,
        A.MANAGE_PARTICIPANTS,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    },
    C.CONTACT: {A.VIEW_OWN_CASES, A.COMMENT},
    C.FINANCIAL: {A.VIEW_OWN_CASES, A.COMMENT, A.SEE_BILLING, A.VIEW_INVENTORY},
    C.ORGANISATION_ADMIN: {A.VIEW_OWN_CASES, A.COMMENT, A.VIEW_INVENTORY, A.MANAGE_INVENTORY},
    S.REPRESENTATIVE: {
        A.VIEW_CPNI,
        A.VIEW_CASES,
        A.OPEN_FOR_CALLER,
        A.ROUTE,
        A.COMMENT,
        A.INTERNAL_NOTE,
        A.ESCALATE,
        A.VIEW_INVENTORY,
    },
    S.TECHNICIAN: {
        A.VIEW_CPNI,
        A.VIEW_CASES,
        A.OPEN_FOR_CALLER,
        A.ROUTE,
        A.COMMENT,
        A.INTERNAL_NOTE,
        A.ESCALATE,
        A.WORK_CASE,
        A.DISPOSE,
        A.SET_P1,
        A.MAINTENANCE,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    },
    S.MANAGER: {
        A.VIEW_CPNI,
        A.PRIVACY,
        A.VIEW_CASES,
        A.OPEN_FOR_CALLER,
        A.ROUTE,
        A.COMMENT,
        A.INTERNAL_NOTE,
        A.ESCALATE,
        A.WORK_CASE,
        A.DISPOSE,
        A.SET_P1,
        A.MAINTENANCE,
        A.MASTER_CASES,
        A.REPORTS,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    },
    S.BILLING: {A.BILLING_CASES},
    S.ADMINISTRATOR: set(perms.STAFF_ABILITIES),
}
ROLES = [*CustomerRole, *StaffRole]


@pytest.mark.parametrize(("role", "ability"), [(r, a) for r in ROLES for a in Ability])
def test_the_table(role, ability):
    assert perms.allowed(role, ability) is (ability in EXPECTED[role]), (role, ability)


def test_every_ability_is_described_and_on_a_side():
    assert set(perms.DESCRIPTIONS) == set(Ability)
    assert set(Ability) == perms.CUSTOMER_ABILITIES | perms.STAFF_ABILITIES
    shared = {A.COMMENT, A.ESCALATE, A.VIEW_INVENTORY, A.MANAGE_INVENTORY}
    assert shared == perms.CUSTOMER_ABILITIES & perms.STAFF_ABILITIES
    for role in CustomerRole:
        assert perms.DEFAULTS[role] <= perms.CUSTOMER_ABILITIES
    for role in StaffRole:
        assert perms.DEFAULTS[role] <= perms.STAFF_ABILITIES


def test_only_mpocs_open_reopen_confirm_escalate_and_approve():
    assert {
        A.OPEN_CASE,
        A.REQUEST_REOPEN,
        A.CONFIRM_RESOLUTION,
        A.ESCALATE,
        A.APPROVE_MACD,
        A.MANAGE_PARTICIPANTS,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    } == set(perms.MPOC_ONLY) - {A.VIEW_ORGANISATION_CASES}


@pytest.mark.parametrize(
    ("flags", "roles"),
    [
        ({}, {C.CONTACT}),
        ({"primary": True}, {C.CONTACT, C.PRIMARY_MPOC}),
        ({"secondary": True}, {C.CONTACT, C.SECONDARY_MPOC}),
        ({"financial": True}, {C.CONTACT, C.FINANCIAL}),
        ({"secondary": True, "financial": True}, {C.CONTACT, C.SECONDARY_MPOC, C.FINANCIAL}),
    ],
)
def test_a_contacts_roles_follow_its_designations(flags, roles):
    values = {"primary": False, "secondary": False, "financial": False, **flags}
    assert perms.customer_roles(**values) == roles


def test_abilities_are_the_union_of_the_roles():
    both = perms.abilities({C.SECONDARY_MPOC, C.FINANCIAL})
    assert A.OPEN_CASE in both and A.SEE_BILLING in both
    assert perms.abilities([]) == frozenset()


def test_stored_ability_names_grant_only_known_staff_abilities():
    assert perms.staff_abilities(["dispose", "open_case", "fly", "reports"]) == {A.DISPOSE, A.REPORTS}


@pytest.mark.parametrize(
    ("role", "same_org", "involved", "sees"),
    [
        (C.PRIMARY_MPOC, True, False, True),
        (C.SECONDARY_MPOC, True, False, True),
        (C.CONTACT, True, False, False),
        (C.CONTACT, True, True, True),
        (C.FINANCIAL, True, False, False),
        (C.FINANCIAL, True, True, True),
        (C.PRIMARY_MPOC, False, True, False),
        (C.CONTACT, False, True, False),
    ],
)
def test_which_cases_a_customer_sees(role, same_org, involved, sees):
    held = perms.DEFAULTS[role]
    assert perms.sees_case(held, same_organisation=same_org, involved=involved) is sees


MINE, OTHER = 1, 2


@pytest.mark.parametrize(
    ("role", "ability", "team", "assigned", "triage", "reaches"),
    [
        (S.TECHNICIAN, A.WORK_CASE, MINE, False, False, True),
        (S.TECHNICIAN, A.WORK_CASE, OTHER, False, False, False),
        (S.TECHNICIAN, A.WORK_CASE, OTHER, True, False, True),  # assigned across teams
        (S.TECHNICIAN, A.WORK_CASE, None, False, False, True),  # not routed
        (S.TECHNICIAN, A.DISPOSE, OTHER, False, True, True),  # the triage queue is everyone's
        (S.TECHNICIAN, A.DISPOSE, OTHER, False, False, False),
        (S.TECHNICIAN, A.SET_P1, OTHER, False, False, False),
        (S.TECHNICIAN, A.COMMENT, OTHER, False, False, True),  # talking is not team work
        (S.MANAGER, A.WORK_CASE, MINE, False, False, True),
        (S.MANAGER, A.WORK_CASE, OTHER, False, False, False),
        (S.ADMINISTRATOR, A.WORK_CASE, OTHER, False, False, True),
        (S.REPRESENTATIVE, A.WORK_CASE, None, False, True, False),
        (S.REPRESENTATIVE, A.ROUTE, OTHER, False, False, True),
        (S.BILLING, A.COMMENT, None, False, False, False),
    ],
)
def test_which_cases_a_staff_ability_reaches(role, ability, team, assigned, triage, reaches):
    got = perms.reaches_case(
        perms.DEFAULTS[role],
        ability,
        case_team=team,
        own_teams={MINE},
        assigned=assigned,
        awaiting_triage=triage,
    )
    assert got is reaches
