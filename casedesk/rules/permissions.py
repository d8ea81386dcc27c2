"""Who may do what (Client Support Plan §1): the customer and staff roles, the abilities each
holds by default, and which cases an ability reaches.

Pure Python: no Django. A customer's roles follow from the contact's designations (primary
or secondary MPOC, financial contact); every contact is at least a plain contact. Staff roles
are data the provider may edit in the admin, seeded from `DEFAULTS`; an ability not named here
cannot be granted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from casedesk.rules.lifecycle import ReopenOutcome, Status


class Ability(enum.StrEnum):
    # Customers.
    VIEW_ORGANISATION_CASES = "view_organisation_cases"
    VIEW_OWN_CASES = "view_own_cases"
    OPEN_CASE = "open_case"
    REQUEST_REOPEN = "request_reopen"
    CONFIRM_RESOLUTION = "confirm_resolution"
    APPROVE_MACD = "approve_macd"
    SEE_BILLING = "see_billing"
    MANAGE_PARTICIPANTS = "manage_participants"
    # Both sides.
    VIEW_INVENTORY = "view_inventory"
    MANAGE_INVENTORY = "manage_inventory"
    COMMENT = "comment"
    ESCALATE = "escalate"
    # Staff.
    VIEW_CASES = "view_cases"
    OPEN_FOR_CALLER = "open_for_caller"
    ROUTE = "route"
    INTERNAL_NOTE = "internal_note"
    WORK_CASE = "work_case"
    WORK_ANY_TEAM = "work_any_team"
    DISPOSE = "dispose"
    SET_P1 = "set_p1"
    MASTER_CASES = "master_cases"
    REPORTS = "reports"
    MAINTENANCE = "maintenance"
    BILLING_CASES = "billing_cases"
    ADMINISTER = "administer"
    VIEW_CPNI = "view_cpni"
    PRIVACY = "privacy"

    @property
    def label(self) -> str:
        return DESCRIPTIONS[self]


A = Ability

# What each ability lets one do, phrased to follow "may" in a refusal.
DESCRIPTIONS: Mapping[Ability, str] = MappingProxyType(
    {
        A.VIEW_ORGANISATION_CASES: "see every case of the organisation",
        A.VIEW_OWN_CASES: "see the cases they are the contact of or take part in",
        A.OPEN_CASE: "open support cases",
        A.REQUEST_REOPEN: "ask to reopen a case",
        A.CONFIRM_RESOLUTION: "confirm or reject a resolution",
        A.APPROVE_MACD: "approve MACD requests",
        A.SEE_BILLING: "see billing statements",
        A.MANAGE_PARTICIPANTS: "add or remove the people copied on a case",
        A.COMMENT: "comment on cases",
        A.VIEW_INVENTORY: "see the organisation's service inventory",
        A.MANAGE_INVENTORY: "add, move, change and delete services in the inventory",
        A.ESCALATE: "escalate a case",
        A.VIEW_CASES: "see every organisation's cases",
        A.OPEN_FOR_CALLER: "open cases for a caller and record a caller's requests",
        A.ROUTE: "route cases to a team or a person",
        A.INTERNAL_NOTE: "write internal notes",
        A.WORK_CASE: "work cases of their teams (status, details, links)",
        A.WORK_ANY_TEAM: "work cases of every team",
        A.DISPOSE: "set priorities P2-P4 (triage)",
        A.SET_P1: "set priority P1",
        A.MASTER_CASES: "run master cases (P1G)",
        A.REPORTS: "see reports",
        A.MAINTENANCE: "schedule maintenance and manage status webhooks",
        A.BILLING_CASES: "work billing cases",
        A.ADMINISTER: "administer the site",
        A.VIEW_CPNI: "see a verified caller's CPNI (numbers, call detail, invoices, addresses, inventory)",
        A.PRIVACY: "see the CPNI disclosure log and work privacy requests",
    }
)

CUSTOMER_ABILITIES = frozenset(
    {
        A.VIEW_ORGANISATION_CASES,
        A.VIEW_OWN_CASES,
        A.OPEN_CASE,
        A.REQUEST_REOPEN,
        A.CONFIRM_RESOLUTION,
        A.APPROVE_MACD,
        A.SEE_BILLING,
        A.MANAGE_PARTICIPANTS,
        A.COMMENT,
        A.ESCALATE,
        A.VIEW_INVENTORY,
        A.MANAGE_INVENTORY,
    }
)
STAFF_ABILITIES = frozenset(
    set(Ability) - CUSTOMER_ABILITIES | {A.COMMENT, A.ESCALATE, A.VIEW_INVENTORY, A.MANAGE_INVENTORY}
)

# Abilities that reach only the cases of the holder's teams (or nobody's yet, or their own).
TEAM_SCOPED = frozenset({A.WORK_CASE, A.DISPOSE, A.SET_P1})


class CustomerRole(enum.StrEnum):
    PRIMARY_MPOC = "primary_mpoc"
    SECONDARY_MPOC = "secondary_mpoc"
    CONTACT = "contact"
    FINANCIAL = "financial"
    # Designated per contact in the inventory app: runs the services, not the cases.
    ORGANISATION_ADMIN = "organisation_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class StaffRole(enum.StrEnum):
    REPRESENTATIVE = "representative"
    TECHNICIAN = "technician"
    MANAGER = "manager"
    BILLING = "billing"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


Role = CustomerRole | StaffRole

ROLE_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        CustomerRole.PRIMARY_MPOC: "Primary MPOC",
        CustomerRole.SECONDARY_MPOC: "Secondary MPOC",
        CustomerRole.CONTACT: "Contact",
        CustomerRole.FINANCIAL: "Financial contact",
        CustomerRole.ORGANISATION_ADMIN: "Organisation admin",
        StaffRole.REPRESENTATIVE: "Customer service representative",
        StaffRole.TECHNICIAN: "Technician / specialist",
        StaffRole.MANAGER: "Manager",
        StaffRole.BILLING: "Billing",
        StaffRole.ADMINISTRATOR: "Administrator",
    }
)

_CONTACT = {A.VIEW_OWN_CASES, A.COMMENT}
_MPOC = _CONTACT | {
    A.VIEW_ORGANISATION_CASES,
    A.OPEN_CASE,
    A.REQUEST_REOPEN,
    A.CONFIRM_RESOLUTION,
    A.ESCALATE,
    A.APPROVE_MACD,
    A.MANAGE_PARTICIPANTS,
    A.VIEW_INVENTORY,
    A.MANAGE_INVENTORY,
}
# Representatives write internal notes too: what a caller said on the phone is for the
# technician, and a public comment would be mailed back to the customer.
_REPRESENTATIVE = {
    A.VIEW_CASES,
    A.OPEN_FOR_CALLER,
    A.ROUTE,
    A.COMMENT,
    A.INTERNAL_NOTE,
    A.ESCALATE,
    A.VIEW_INVENTORY,
    A.VIEW_CPNI,
}
# Technicians may set P1: the plan answers a P1 within 15 minutes around the clock, and
# out of hours the desk is technicians, with a manager only on call.
# Technicians apply MACD requests and import an organisation's inventory.
_TECHNICIAN = _REPRESENTATIVE | {A.WORK_CASE, A.DISPOSE, A.SET_P1, A.MAINTENANCE, A.MANAGE_INVENTORY}
_MANAGER = _TECHNICIAN | {A.MASTER_CASES, A.REPORTS, A.PRIVACY}

# The table: role -> the abilities it holds by default.
DEFAULTS: Mapping[Role, frozenset[Ability]] = MappingProxyType(
    {
        CustomerRole.PRIMARY_MPOC: frozenset(_MPOC),
        CustomerRole.SECONDARY_MPOC: frozenset(_MPOC),
        CustomerRole.CONTACT: frozenset(_CONTACT),
        CustomerRole.FINANCIAL: frozenset(_CONTACT | {A.SEE_BILLING, A.VIEW_INVENTORY}),
        CustomerRole.ORGANISATION_ADMIN: frozenset(_CONTACT | {A.VIEW_INVENTORY, A.MANAGE_INVENTORY}),
        StaffRole.REPRESENTATIVE: frozenset(_REPRESENTATIVE),
        StaffRole.TECHNICIAN: frozenset(_TECHNICIAN),
        StaffRole.MANAGER: frozenset(_MANAGER),
        StaffRole.BILLING: frozenset({A.BILLING_CASES}),
        StaffRole.ADMINISTRATOR: STAFF_ABILITIES,
    }
)

# Held only through being a main point of contact: a refusal names the MPOCs to ask.
MPOC_ONLY = frozenset(DEFAULTS[CustomerRole.PRIMARY_MPOC] - DEFAULTS[CustomerRole.CONTACT])


def allowed(role: Role, ability: Ability, table: Mapping[Role, Iterable[Ability]] = DEFAULTS) -> bool:
    return ability in frozenset(table.get(role, ()))


def customer_roles(
    *, primary: bool, secondary: bool, financial: bool, organisation_admin: bool = False
) -> frozenset[CustomerRole]:
    """The roles a contact holds: always a contact, and whatever it is designated."""
    roles = {CustomerRole.CONTACT}
    if organisation_admin:
        roles.add(CustomerRole.ORGANISATION_ADMIN)
    if primary:
        roles.add(CustomerRole.PRIMARY_MPOC)
    if secondary:
        roles.add(CustomerRole.SECONDARY_MPOC)
    if financial:
        roles.add(CustomerRole.FINANCIAL)
    return frozenset(roles)


def abilities(
    roles: Iterable[Role], table: Mapping[Role, Iterable[Ability]] = DEFAULTS
) -> frozenset[Ability]:
    """Everything any of `roles` may do."""
    held: set[Ability] = set()
    for role in roles:
        held.update(table.get(role, ()))
    return frozenset(held)


def staff_abilities(values: Iterable[str]) -> frozenset[Ability]:
    """Stored ability names (a staff role's data) as abilities; names that are not staff
    abilities are ignored, so stale data cannot grant what the rules do not know."""
    known = {a.value for a in STAFF_ABILITIES}
    return frozenset(Ability(v) for v in values if v in known)


def sees_case(held: frozenset[Ability], *, same_organisation: bool, involved: bool) -> bool:
    """Whether a customer sees a case: their organisation's, all of them or only those they
    are the contact of or take part in."""
    if not same_organisation:
        return False
    return A.VIEW_ORGANISATION_CASES in held or (A.VIEW_OWN_CASES in held and involved)


def reaches_case(
    held: frozenset[Ability],
    ability: Ability,
    *,
    case_team: int | None,
    own_teams: Iterable[int],
    assigned: bool,
    awaiting_triage: bool = False,
) -> bool:
    """Whether a staff member's `ability` reaches a case: held, and for the team-scoped ones
    the case is of one of their teams, assigned to them, or nobody's yet (no team, or still
    awaiting triage: the triage queue is everyone's, the platform's team only a first guess)."""
    if ability not in held:
        return False
    if ability not in TEAM_SCOPED or A.WORK_ANY_TEAM in held:
        return True
    return case_team is None or awaiting_triage or assigned or case_team in set(own_teams)


def customer_move_needs(target: Status) -> Ability:
    """What a customer's status move is: asking to reopen, or confirming (closing) or
    rejecting (back to In-Progress) a resolution."""
    return A.REQUEST_REOPEN if target == Status.CUSTOMER_REOPENED else A.CONFIRM_RESOLUTION


def reopen_request_needs(outcome: ReopenOutcome) -> Ability:
    """What a customer's request to reopen needs, by what it does: on an open case it is a
    comment; on a resolved one it rejects the resolution."""
    return {
        ReopenOutcome.ALREADY_OPEN: A.COMMENT,
        ReopenOutcome.RESUME: A.CONFIRM_RESOLUTION,
    }.get(outcome, A.REQUEST_REOPEN)
