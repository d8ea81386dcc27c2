from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import partners
from casedesk.rules.permissions import DEFAULTS, Ability, CustomerRole

A = Ability


@pytest.mark.parametrize(
    ("scope", "ability", "held"),
    [
        ("full", A.SEE_BILLING, True),
        ("full", A.VIEW_ORGANISATION_CASES, True),
        ("full", A.APPROVE_MACD, True),
        ("cases", A.VIEW_ORGANISATION_CASES, True),
        ("cases", A.OPEN_CASE, True),
        ("cases", A.ESCALATE, True),
        ("cases", A.SEE_BILLING, False),
        ("cases", A.APPROVE_MACD, False),
        ("cases", A.MANAGE_INVENTORY, False),
        ("billing", A.SEE_BILLING, True),
        ("billing", A.VIEW_ORGANISATION_CASES, False),
        ("billing", A.OPEN_CASE, False),
        ("billing", A.VIEW_OWN_CASES, True),
        ("nonsense", A.COMMENT, False),
    ],
)
def test_scope_table(scope, ability, held):
    assert (ability in partners.abilities(scope)) is held


def test_a_scope_never_grants_a_staff_ability():
    customer_side = DEFAULTS[CustomerRole.PRIMARY_MPOC] | {A.SEE_BILLING}
    for scope in partners.Scope:
        assert partners.abilities(scope) <= customer_side


@pytest.mark.parametrize(
    ("kind", "partner", "customer", "refused"),
    [
        ("partner", 1, 2, False),
        ("rebiller", 1, 2, False),
        ("customer", 1, 2, True),
        ("partner", 1, 1, True),
        ("bogus", 1, 2, True),
    ],
)
def test_who_may_manage(kind, partner, customer, refused):
    assert (partners.may_manage(kind, partner=partner, customer=customer) is not None) is refused


@given(st.lists(st.tuples(st.integers(1, 20), st.sampled_from(["full", "cases", "billing", "x"]))))
def test_reachable_customers_are_those_whose_scope_holds_it(grants):
    reached = partners.reachable_customers(grants, wanting=A.VIEW_ORGANISATION_CASES)
    assert reached == sorted(set(reached))
    assert set(reached) == {c for c, s in grants if s in ("full", "cases")}
