from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casedesk.accounts import permissions
from casedesk.accounts.permissions import (
    abilities_of,
    customer_contact,
    is_staff,
    own_contact,
    reachable_organisations,
)
from casedesk.branding import brands
from casedesk.core import clock
from casedesk.rules import partners
from casedesk.rules.permissions import Ability
from casedesk.web import acting


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {**_site(request, user), **_brand(user), "bills_of_customers": _bills_of_customers(user)}


def _bills_of_customers(user: Any) -> bool:
    """Whether a partner's or rebiller's user sees some customers' bills (a way back to
    them while acting for one); no query for anyone else (their own organisation came with
    their contact)."""
    own = own_contact(user)
    if own is None or not partners.Kind(own.organisation.kind).manages:
        return False
    return bool(reachable_organisations(user, Ability.SEE_BILLING))


def _brand(user: Any) -> dict[str, Any]:
    """A rebiller's customer (or its people acting for one) sees the rebiller's name and
    support phone in place of the provider's, its logo and its colours."""
    brand = brands.of_viewer(user) if user is not None else None
    if brand is None:
        return {"brand": None}
    named = {"brand": brand, "site_name": brand.name}
    return named | ({"support_phone": brand.support_phone} if brand.support_phone else {})


def _site(request: HttpRequest, user: Any) -> dict[str, Any]:
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
