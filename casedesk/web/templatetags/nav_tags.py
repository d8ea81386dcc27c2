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
    flags = {
        "second_factor_step": bool(context.get("second_factor_step")),
        "is_staff_user": bool(context.get("is_staff_user")),
        "portal": portal is not None,
        "abilities": frozenset(context.get("abilities") or ()),
        "partner_opens": bool(context.get("partner_opens")),
        "acting_choice": bool(context.get("acting_choice")),
        "billing_contact": bool(portal is not None and (portal.is_financial_contact or portal.is_mpoc)),
        "bills_of_customers": bool(context.get("bills_of_customers")),
        "partner_admin": bool(context.get("partner_admin")),
    }
    return _rendered(tuple(flags.items()), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=512)
def _rendered(flags: tuple[tuple[str, Any], ...], prefix: str, urlconf: Any) -> SafeString:
    """`prefix` and `urlconf` are part of the key: the links they give differ."""
    return SafeString(get_template("web/_nav.html").render(dict(flags)))
