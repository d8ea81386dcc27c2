"""Who may see and change an organisation's inventory: the abilities of the rules
(`rules.permissions`: MPOCs and organisation admins manage it, financial contacts see it,
staff see every organisation's and technicians change it), with the organisation admin
designation kept in this app. Another organisation's inventory does not exist for a customer.
"""

from __future__ import annotations

from typing import Any

from casedesk.accounts import permissions
from casedesk.accounts.models import Organisation
from casedesk.core.errors import Forbidden, NotFound
from casedesk.inventory.models import Administrator
from casedesk.rules import permissions as rules
from casedesk.rules.permissions import Ability, CustomerRole


def abilities_of(who: Any) -> frozenset[Ability]:
    held = permissions.abilities_of(who)
    contact = permissions.customer_contact(who)
    if contact is None:
        return held
    cached = getattr(who, "_casedesk_inventory_admin", None)
    if cached is None:
        cached = Administrator.objects.filter(contact=contact).exists()
        who._casedesk_inventory_admin = cached
    return held | rules.DEFAULTS[CustomerRole.ORGANISATION_ADMIN] if cached else held


def can(who: Any, ability: Ability) -> bool:
    return ability in abilities_of(who)


def organisation_of(who: Any, organisation_id: int | None = None) -> Organisation:
    """The organisation whose inventory `who` asks for: a customer's own (any other id is
    NotFound), or for staff the one named."""
    contact = permissions.customer_contact(who)
    if contact is not None:
        if organisation_id is not None and organisation_id != contact.organisation_id:
            raise NotFound("No such organisation.")
        return contact.organisation
    if permissions.is_staff(who):
        if organisation_id is None:
            raise NotFound("Name the organisation.")
        org = Organisation.objects.filter(pk=organisation_id).first()
        if org is None:
            raise NotFound("No such organisation.")
        return org
    raise Forbidden("Log in first.")


def require(who: Any, organisation: Organisation, ability: Ability) -> None:
    """NotFound for another organisation's customer, Forbidden (with what and why) for a
    role without the ability."""
    contact = permissions.customer_contact(who)
    if contact is not None and contact.organisation_id != organisation.pk:
        raise NotFound("No such organisation.")
    if contact is None and not permissions.is_staff(who):
        raise Forbidden("Log in first.")
    if not can(who, ability):
        raise Forbidden(permissions.refusal(who, ability))


def require_view(who: Any, organisation: Organisation) -> None:
    require(who, organisation, Ability.VIEW_INVENTORY)


def require_manage(who: Any, organisation: Organisation) -> None:
    require(who, organisation, Ability.MANAGE_INVENTORY)
