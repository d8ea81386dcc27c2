"""Partners and rebillers (Client Support Plan §1): organisations whose people act for the
customer organisations they manage, each person's reach into each customer given by a scope.

A partner's user acts for a customer through a delegate: a contact of the customer that
stands for them (so every case, comment and request records both the customer and who, of
which partner, acted). What the delegate may do follows the scope alone, never the flags of
the person's own contact: full (what an MPOC may, and the bills), cases only, or billing only.

Pure Python: no Django.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from casedesk.rules.permissions import DEFAULTS, Ability, CustomerRole

A = Ability


class Kind(enum.StrEnum):
    """What an organisation is to the provider."""

    CUSTOMER = "customer"
    PARTNER = "partner"  # manages customers; they keep the provider's name
    REBILLER = "rebiller"  # resells under its own name: its customers see its brand and bills

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def manages(self) -> bool:
        return self is not Kind.CUSTOMER


KIND_LABELS: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.CUSTOMER: "Customer",
        Kind.PARTNER: "Partner (manages customers)",
        Kind.REBILLER: "Rebiller (resells under its own brand)",
    }
)


class Scope(enum.StrEnum):
    FULL = "full"
    CASES = "cases"
    BILLING = "billing"

    @property
    def label(self) -> str:
        return SCOPE_LABELS[self]


SCOPE_LABELS: Mapping[Scope, str] = MappingProxyType(
    {Scope.FULL: "Full", Scope.CASES: "Cases only", Scope.BILLING: "Billing only"}
)

_CONTACT = DEFAULTS[CustomerRole.CONTACT]
_CASES = _CONTACT | {
    A.VIEW_ORGANISATION_CASES,
    A.OPEN_CASE,
    A.REQUEST_REOPEN,
    A.CONFIRM_RESOLUTION,
    A.ESCALATE,
    A.MANAGE_PARTICIPANTS,
    A.VIEW_INVENTORY,
}
# A billing-only delegate still sees the cases it is the contact of: its own disputes.
_BILLING = _CONTACT | {A.SEE_BILLING, A.VIEW_INVENTORY}
_FULL = DEFAULTS[CustomerRole.PRIMARY_MPOC] | {A.SEE_BILLING}

SCOPE_ABILITIES: Mapping[Scope, frozenset[Ability]] = MappingProxyType(
    {Scope.FULL: frozenset(_FULL), Scope.CASES: frozenset(_CASES), Scope.BILLING: frozenset(_BILLING)}
)


def abilities(scope: Scope | str) -> frozenset[Ability]:
    """What a delegate of `scope` may do for the customer; nothing for an unknown scope, so
    stale data cannot grant what the rules do not know."""
    try:
        return SCOPE_ABILITIES[Scope(scope)]
    except ValueError:
        return frozenset()


def sees_cases(scope: Scope | str) -> bool:
    return A.VIEW_ORGANISATION_CASES in abilities(scope)


def sees_billing(scope: Scope | str) -> bool:
    return A.SEE_BILLING in abilities(scope)


def may_manage(partner_kind: Kind | str, *, partner: int, customer: int) -> str | None:
    """Why `partner` may not manage `customer`, or None: only a partner or rebiller manages,
    and never itself."""
    try:
        kind = Kind(partner_kind)
    except ValueError:
        return "That organisation is neither a partner nor a rebiller."
    if not kind.manages:
        return "That organisation is neither a partner nor a rebiller."
    if partner == customer:
        return "An organisation cannot manage itself."
    return None


def reachable_customers(grants: Iterable[tuple[int, str]], *, wanting: Ability) -> list[int]:
    """The customers (ids) of (customer, scope) grants whose scope holds `wanting`."""
    return sorted({customer for customer, scope in grants if wanting in abilities(scope)})
