"""Who sees billing: an organisation's financial contacts and MPOCs in the portal, a
partner's people acting for a customer in a scope that holds the bills (full or billing
only), billing staff (and administrators) in the console. Refusals say why and whom to ask."""

from __future__ import annotations

from typing import Any

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact
from casedesk.core.errors import Forbidden
from casedesk.rules.permissions import Ability


def billing_contact(user: Any) -> Contact:
    """The customer contact asking, if they may see their organisation's invoices."""
    contact = permissions.customer_contact(user)
    if contact is None:
        raise Forbidden("BillCenter is for customer contacts; billing staff use the console's billing pages.")
    if contact.is_delegate:
        # A delegate has no designations: its scope alone says whether it sees the bills.
        if permissions.can(user, Ability.SEE_BILLING):
            return contact
        raise Forbidden(permissions.refusal(user, Ability.SEE_BILLING))
    if contact.is_financial_contact or contact.is_mpoc:
        return contact
    names = [
        f"{c.name} <{c.email}>"
        for c in contact.organisation.contacts.filter(is_financial_contact=True).order_by("name")
    ] or [f"{c.name} <{c.email}>" for c in contact.organisation.mpocs()]
    who = ", ".join(names) if names else "your account manager"
    raise Forbidden(
        f"Billing statements of {contact.organisation.name} are for its financial contacts and main "
        f"points of contact; you are neither. Please ask {who}."
    )


def may_bill(user: Any) -> bool:
    return permissions.is_staff(user) and permissions.can(user, Ability.BILLING_CASES)


def require_billing_staff(user: Any) -> None:
    if not may_bill(user):
        raise Forbidden(permissions.refusal(user, Ability.BILLING_CASES))
