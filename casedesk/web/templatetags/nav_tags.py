"""The main menu. It holds only links, chosen by the account's kind and abilities, so it
is rendered once per distinct set of what it reads and kept for the process: on a case
page its dozen links had cost as much as the timeline."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def main_nav(context: Any) -> SafeString:
    portal = context.get("portal_contact")
    key = (
        bool(context.get("second_factor_step")),
        bool(context.get("is_staff_user")),
        portal is not None,
        frozenset(context.get("abilities") or ()),
        bool(context.get("partner_opens")),
        bool(context.get("acting_choice")),
        bool(portal is not None and (portal.is_financial_contact or portal.is_mpoc)),
        bool(context.get("bills_of_customers")),
        bool(context.get("partner_admin")),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    return _rendered(key)


@lru_cache(maxsize=512)
def _rendered(key: tuple[Any, ...]) -> SafeString:
    step, staff, portal, abilities, opens, acting, billing, bills, admin, _prefix, _urlconf = key
    flags = {
        "second_factor_step": step,
        "is_staff_user": staff,
        "portal": portal,
        "abilities": abilities,
        "partner_opens": opens,
        "acting_choice": acting,
        "billing_contact": billing,
        "bills_of_customers": bills,
        "partner_admin": admin,
    }
    return SafeString(get_template("web/_nav.html").render(flags))
