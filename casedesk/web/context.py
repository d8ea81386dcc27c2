from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casedesk.accounts import permissions
from casedesk.accounts.permissions import abilities_of, customer_contact, is_staff
from casedesk.core import clock
from casedesk.rules import partners
from casedesk.rules.permissions import Ability
from casedesk.web import acting


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.CASEDESK_SITE_NAME,
        "is_staff_user": is_staff(user),
        "portal_contact": customer_contact(user),
        # What the user may do, so that pages leave out what they may not use.
        "abilities": {a.value for a in abilities_of(user)} if user is not None else set(),
        "now": clock.now(),
        # The plan tells customers to call or chat for anything urgent (SPEC §2).
        "support_phone": settings.CASEDESK_SUPPORT_PHONE,
        "support_chat_url": settings.CASEDESK_SUPPORT_CHAT_URL,
        **partner(request, user),
    }


def partner(request: HttpRequest, user: Any) -> dict[str, Any]:
    """For a partner's people: the customers they may act for (the header's switcher), the
    one chosen, and whether any of them lets them open cases."""
    if user is None or is_staff(user) or not getattr(user, "is_authenticated", False):
        return {}
    own = permissions.own_contact(user)
    if own is None or own.organisation.kind == partners.Kind.CUSTOMER.value:
        return {}
    administers = {"partner_admin": own.is_primary_mpoc}
    granted = permissions.granted_customers(user)
    if not granted:
        return administers
    chosen = acting.choice(request)
    return {
        **administers,
        "partner_choices": [(org, partners.Scope(scope).label) for org, scope in granted],
        "partner_own": own,
        "acting_choice": next((org for org, _ in granted if org.pk == chosen), None),
        "partner_opens": bool(permissions.reachable_organisations(user, Ability.OPEN_CASE)),
    }
