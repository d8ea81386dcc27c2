"""Who a user is to the plan: staff, a customer contact, or nobody."""

from __future__ import annotations

from typing import Any

from casedesk.core.errors import Forbidden
from casedesk.rules.lifecycle import Actor


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
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def user_of(who: Any) -> Any:
    """The User to record as the actor: None for a Contact acting without a login."""
    if _is_contact(who):
        return who.user
    return who


def _is_contact(obj: Any) -> bool:
    from casedesk.accounts.models import Contact

    return isinstance(obj, Contact)
