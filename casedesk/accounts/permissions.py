"""Who a user is to the plan (staff, a customer contact, or nobody) and what they may do.

The rules (`casedesk.rules.permissions`) define the abilities and each role's defaults; a
staff role's abilities are read from its `StaffRole` row, so the provider can change them
in the admin. Looked up once per user object (one request), never kept across requests.
"""

from __future__ import annotations

from typing import Any

from casedesk.core.errors import Forbidden, Refused
from casedesk.core.prepared import Prepared
from casedesk.rules import partners, triage
from casedesk.rules import permissions as rules
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability


def actor_for(user: Any) -> Actor:
    """A User, or a Contact acting without a login (a customer's e-mail, say)."""
    if _is_contact(user):
        if not _usable(user):
            raise Forbidden(f"{user.name} is no longer an active contact.")
        return Actor.CUSTOMER
    if user is None or not user.is_authenticated or not user.is_active:
        raise Forbidden("Log in first.")
    if user.is_staff:
        return Actor.STAFF
    if customer_contact(user) is not None:
        return Actor.CUSTOMER
    raise Forbidden("This account is neither support staff nor a customer contact.")


def customer_contact(user: Any) -> Any:
    """The active Contact behind a customer's account (or the Contact itself), or None.

    A partner's user acting for a customer (`act_for`) is its delegate there: the contact of
    that customer that stands for them, while their own contact is `own_contact`."""
    if _is_contact(user):
        return user if _usable(user) else None
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    # Cached on the user object: pages and API routes ask several times per request.
    if not hasattr(user, "_casedesk_contact"):
        from casedesk.accounts.models import Contact

        acting = getattr(user, "_casedesk_acting_for", None)
        if acting is not None:
            user._casedesk_contact = (
                Contact.objects.select_related("organisation", "delegate_of__organisation")
                .filter(delegate_of__user_id=user.pk, organisation_id=acting)
                .first()
            )
        else:
            user._casedesk_contact = own_contact(user)
    contact = user._casedesk_contact
    return contact if contact is not None and _usable(contact) else None


def own_contact(user: Any) -> Any:
    """The user's own contact, whatever customer they act for (None for staff)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    if not hasattr(user, "_casedesk_own_contact"):
        from casedesk.accounts.models import Contact

        user._casedesk_own_contact = (
            Contact.objects.select_related("organisation").filter(user_id=user.pk).first()
        )
    return user._casedesk_own_contact


def usable(contact: Any) -> bool:
    """Whether a contact may act now (a delegate only while its partner manages the customer)."""
    return _usable(contact)


def _usable(contact: Any) -> bool:
    if not contact.active or not contact.organisation.active:
        return False
    if contact.delegate_of_id is None:
        return True
    # A delegate lasts only while the partner's own contact, its organisation and its
    # management of this customer do.
    principal = contact.delegate_of
    return (
        principal.active
        and principal.organisation.active
        and contact.organisation.partner_id == principal.organisation_id
    )


def act_for(user: Any, organisation_id: int | None) -> bool:
    """For this request, let a partner's user act for the customer `organisation_id` (None:
    as themselves); True when they may. Nothing is stored: the portal keeps the choice in
    the session and the API reads it from each request."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return False
    own = own_contact(user)
    if organisation_id is None or (own is not None and own.organisation_id == organisation_id):
        wanted = None
    elif organisation_id in dict(partner_grants(user)):
        wanted = organisation_id
    else:
        return False
    if getattr(user, "_casedesk_acting_for", None) != wanted or not hasattr(user, "_casedesk_contact"):
        user._casedesk_acting_for = wanted
        for cached in ("_casedesk_contact", "_casedesk_abilities"):
            if hasattr(user, cached):
                delattr(user, cached)
    return True


def acting_for(user: Any) -> int | None:
    """The customer a partner's user acts for in this request, or None."""
    return getattr(user, "_casedesk_acting_for", None)


def partner_grants(user: Any) -> list[tuple[int, str]]:
    """(customer id, scope) of every customer a partner's user may act for now."""
    own = own_contact(user)
    if own is None or not own.active or not own.organisation.active:
        return []
    if own.organisation.kind == partners.Kind.CUSTOMER.value:
        return []  # a customer's people act for no one else: no look-up on their pages
    if not hasattr(user, "_casedesk_grants"):
        from casedesk.accounts.models import Contact

        user._casedesk_grants = list(
            Contact.objects.filter(
                delegate_of=own,
                active=True,
                organisation__active=True,
                organisation__partner_id=own.organisation_id,
            )
            .order_by("organisation__name")
            .values_list("organisation_id", "partner_scope")
        )
    return list(user._casedesk_grants)


def act_for_account(user: Any, account_number: str) -> bool:
    """`act_for` the customer with this account number (their own: as themselves); False,
    and nothing changed, for a number that is not theirs to act for."""
    wanted = account_number.strip()
    own = own_contact(user)
    if not wanted or own is None:
        return False
    if own.organisation.account_number.lower() == wanted.lower():
        return act_for(user, None)
    granted = [pk for pk, _ in partner_grants(user)]
    if not granted:
        return False
    from casedesk.accounts.models import Organisation

    found = (
        Organisation.objects.filter(pk__in=granted, account_number__iexact=wanted)
        .values_list("pk", flat=True)
        .first()
    )
    return found is not None and act_for(user, found)


def granted_customers(user: Any) -> list[tuple[Any, str]]:
    """(organisation, scope) of each customer a partner's user may act for, by name."""
    grants = dict(partner_grants(user))
    if not grants:
        return []
    if not hasattr(user, "_casedesk_granted"):
        from casedesk.accounts.models import Organisation

        orgs = Organisation.objects.filter(pk__in=grants).only("id", "name", "account_number")
        orgs = orgs.order_by("name")
        user._casedesk_granted = [(org, grants[org.pk]) for org in orgs]
    return list(user._casedesk_granted)


def reachable_organisations(user: Any, wanting: Ability) -> list[int]:
    """The customers a partner's user may act for whose scope holds `wanting`."""
    return partners.reachable_customers(partner_grants(user), wanting=wanting)


def is_staff(user: Any) -> bool:
    # A Contact acting without a login (e-mail) is never staff, and has no login flags.
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def user_of(who: Any) -> Any:
    """The User to record as the actor: None for a Contact acting without a login."""
    if _is_contact(who):
        return who.user
    return who


def _is_contact(obj: Any) -> bool:
    from casedesk.accounts.models import Contact

    return isinstance(obj, Contact)


# -- abilities -----------------------------------------------------------------------------


def abilities_of(who: Any) -> frozenset[Ability]:
    """What `who` (a User, or a Contact acting without a login) may do; nothing for anyone
    who is neither an active staff member nor an active customer contact."""
    if is_staff(who):
        if not hasattr(who, "_casedesk_abilities"):
            who._casedesk_abilities = _staff_abilities(who)
        return frozenset(who._casedesk_abilities)
    contact = customer_contact(who)
    if contact is None:
        return frozenset()
    if contact.delegate_of_id is not None:
        return partners.abilities(contact.partner_scope)
    return rules.abilities(
        rules.customer_roles(
            primary=contact.is_primary_mpoc,
            secondary=contact.is_secondary_mpoc,
            financial=contact.is_financial_contact,
        )
    )


_UNREAD = object()


def _staff_abilities(user: Any, stored: Any = _UNREAD) -> frozenset[Ability]:
    """`stored`: the abilities of the user's `StaffRole` row (None: no row) if the caller
    read them already; else they are read here."""
    if user.is_superuser:
        return rules.DEFAULTS[rules.StaffRole.ADMINISTRATOR]
    try:
        role = rules.StaffRole(user.staff_role)
    except ValueError:
        return frozenset()  # no role yet: nothing until an administrator gives one
    if stored is _UNREAD:
        found = _ROLE_ABILITIES(role.value)
        stored = found[0][0] if found else None
    if stored is None:
        return rules.DEFAULTS[role]
    return rules.staff_abilities(stored if isinstance(stored, list) else [])


def _role_abilities(key: str) -> Any:
    from casedesk.accounts.models import StaffRole

    return StaffRole.objects.filter(key=key).order_by("key").values_list("abilities")[:1]


# Every staff request asks once: its statement is built once per process (`core.prepared`).
_ROLE_ABILITIES: Prepared[tuple[Any, ...]] = Prepared(_role_abilities)


def remember_role(user: Any, stored: Any) -> None:
    """The abilities of a staff user's role as the caller read them with the user (the
    stored list of its `StaffRole` row, None if there is no row): what `abilities_of`
    would read, so it is not read again for this user object."""
    if is_staff(user) and not hasattr(user, "_casedesk_abilities"):
        user._casedesk_abilities = _staff_abilities(user, stored)


def can(who: Any, ability: Ability) -> bool:
    return ability in abilities_of(who)


def role_name(who: Any) -> str:
    """The role a refusal names."""
    if is_staff(who):
        if who.is_superuser:
            return rules.StaffRole.ADMINISTRATOR.label
        try:
            return rules.StaffRole(who.staff_role).label
        except ValueError:
            return "staff member without a role"
    return "contact"


def mpoc_refusal(contact: Any, ability: Ability = Ability.OPEN_CASE) -> str:
    """Why a contact who is not a main point of contact may not do this, and whom to ask."""
    if contact.delegate_of_id is not None:
        return _scope_refusal(contact, ability)
    names = [f"{c.name} <{c.email}>" for c in contact.organisation.mpocs()]
    who = ", ".join(names) if names else "no one yet; ask your account manager to name them"
    ask = " to open it" if ability == Ability.OPEN_CASE else ""
    return (
        f"Only the main points of contact of {contact.organisation.name} may {ability.label}. "
        f"Please ask one of them{ask}: {who}."
    )


def _scope_refusal(delegate: Any, ability: Ability) -> str:
    scope = partners.Scope(delegate.partner_scope).label.lower()
    return (
        f"Your access to {delegate.organisation.name} for {delegate.delegate_of.organisation.name} "
        f"is {scope}; it does not allow you to {ability.label}."
    )


def refusal(who: Any, ability: Ability) -> str:
    """What `who` may not do, and why, fit to show them."""
    contact = customer_contact(who)
    if contact is not None and contact.delegate_of_id is not None:
        return _scope_refusal(contact, ability)
    if contact is not None:
        if ability in rules.MPOC_ONLY:
            return mpoc_refusal(contact, ability)
        return f"Your contact role does not allow you to {ability.label}."
    if is_staff(who):
        if ability in rules.CUSTOMER_ABILITIES - rules.STAFF_ABILITIES:
            return f"Only customer contacts may {ability.label}."
        return f"Your role ({role_name(who)}) may not {ability.label}. Ask a manager or an administrator."
    return f"You may not {ability.label}."


def require(who: Any, ability: Ability) -> None:
    """Forbidden, with what and why, unless `who` holds `ability`."""
    if not can(who, ability):
        raise Forbidden(refusal(who, ability))


def team_ids(user: Any) -> frozenset[int]:
    """The teams a staff member works for: those they are a member of or manage."""
    if not is_staff(user):
        return frozenset()
    if not hasattr(user, "_casedesk_team_ids"):
        user._casedesk_team_ids = frozenset(row[0] for row in _TEAM_IDS(user.pk))
    return frozenset(user._casedesk_team_ids)


def _team_ids(user_id: int) -> Any:
    from django.db.models import Q

    from casedesk.accounts.models import Team

    return Team.objects.filter(Q(members=user_id) | Q(manager=user_id)).values_list("id").distinct()


# Read on every staff request that checks a team-scoped ability.
_TEAM_IDS: Prepared[tuple[int]] = Prepared(_team_ids)


def reaches(user: Any, ability: Ability, case: Any) -> bool:
    """Whether a staff member's `ability` reaches this case (its team, assignee, triage)."""
    held = abilities_of(user)
    if ability not in held:
        return False
    team_id, assigned = case.team_id, case.assignee_id is not None and case.assignee_id == user.pk
    lookup = ability in rules.TEAM_SCOPED and Ability.WORK_ANY_TEAM not in held
    lookup = lookup and team_id is not None and not case.needs_triage and not assigned
    return rules.reaches_case(
        held,
        ability,
        case_team=team_id,
        own_teams=team_ids(user) if lookup else (),
        assigned=assigned,
        awaiting_triage=case.needs_triage,
    )


def require_for_case(user: Any, ability: Ability, case: Any) -> None:
    """Forbidden unless the staff member's `ability` reaches the case (its team, assignee)."""
    require(user, ability)
    if not reaches(user, ability, case):
        raise Forbidden(
            f"{case.number} belongs to the {case.team} team; your role ({role_name(user)}) works the "
            "cases of your own teams, cases awaiting triage and cases assigned to you."
        )


def check_priority(by: Any, value: str, current: str | None = None) -> str:
    """The priority staff `by` asks to set, if the triage rules let their role set it on a
    case now at `current`: a refused role is 403, an impossible priority 400."""
    try:
        return triage.check(value, abilities_of(by), triage.Priority(current) if current else None)
    except triage.PriorityRefused as exc:
        raise (Forbidden if exc.forbidden else Refused)(str(exc)) from None
