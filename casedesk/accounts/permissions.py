"""Who a user is to the plan (staff, a customer contact, or nobody) and what they may do.

The rules (`casedesk.rules.permissions`) define the abilities and each role's defaults; a
staff role's abilities are read from its `StaffRole` row, so the provider can change them
in the admin. Looked up once per user object (one request), never kept across requests.
"""

from __future__ import annotations

from typing import Any

from casedesk.core.errors import Forbidden, Refused
from casedesk.rules import permissions as rules
from casedesk.rules import triage
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability


def actor_for(user: Any) -> Actor:
    """A User, or a Contact acting without a login (a customer's e-mail, say)."""
    if _is_contact(user):
        if not user.active or not user.organisation.active:
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
    """The active Contact behind a customer's account (or the Contact itself), or None."""
    if _is_contact(user):
        return user if user.active and user.organisation.active else None
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    # Cached on the user object: pages and API routes ask several times per request.
    if not hasattr(user, "_casedesk_contact"):
        from casedesk.accounts.models import Contact

        user._casedesk_contact = (
            Contact.objects.select_related("organisation").filter(user_id=user.pk).first()
        )
    contact = user._casedesk_contact
    if contact is None or not contact.active or not contact.organisation.active:
        return None
    return contact


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
    return rules.abilities(
        rules.customer_roles(
            primary=contact.is_primary_mpoc,
            secondary=contact.is_secondary_mpoc,
            financial=contact.is_financial_contact,
        )
    )


def _staff_abilities(user: Any) -> frozenset[Ability]:
    if user.is_superuser:
        return rules.DEFAULTS[rules.StaffRole.ADMINISTRATOR]
    try:
        role = rules.StaffRole(user.staff_role)
    except ValueError:
        return frozenset()  # no role yet: nothing until an administrator gives one
    from casedesk.accounts.models import StaffRole

    stored = StaffRole.objects.filter(key=role.value).values_list("abilities", flat=True).first()
    if stored is None:
        return rules.DEFAULTS[role]
    return rules.staff_abilities(stored if isinstance(stored, list) else [])


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
    names = [f"{c.name} <{c.email}>" for c in contact.organisation.mpocs()]
    who = ", ".join(names) if names else "no one yet; ask your account manager to name them"
    ask = " to open it" if ability == Ability.OPEN_CASE else ""
    return (
        f"Only the main points of contact of {contact.organisation.name} may {ability.label}. "
        f"Please ask one of them{ask}: {who}."
    )


def refusal(who: Any, ability: Ability) -> str:
    """What `who` may not do, and why, fit to show them."""
    contact = customer_contact(who)
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
        from django.db.models import Q

        from casedesk.accounts.models import Team

        user._casedesk_team_ids = frozenset(
            Team.objects.filter(Q(members=user) | Q(manager=user)).values_list("id", flat=True).distinct()
        )
    return frozenset(user._casedesk_team_ids)


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
