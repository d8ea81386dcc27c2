"""Who a user is to the plan: staff, a customer contact, or nobody."""

from __future__ import annotations

from typing import Any

from casedesk.core.errors import Forbidden
from casedesk.rules.lifecycle import Actor


def actor_for(user: Any) -> Actor:
    if user is None or not user.is_authenticated or not user.is_active:
        raise Forbidden("Log in first.")
    if user.is_staff:
        return Actor.STAFF
    if customer_contact(user) is not None:
        return Actor.CUSTOMER
    raise Forbidden("This account is neither support staff nor a customer contact.")


def customer_contact(user: Any) -> Any:
    """The active Contact behind a customer's account, or None."""
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
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)
