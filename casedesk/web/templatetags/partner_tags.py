"""The partner that manages an organisation, and who of it acts for the organisation."""

from typing import Any

from django import template

from casedesk.accounts import selectors

register = template.Library()


@register.inclusion_tag("web/_partner_card.html")
def partner_card(org: Any, side: str = "console") -> dict[str, Any]:
    partner = org.partner if org.partner_id else None
    delegates = list(selectors.delegates_of(org)) if partner is not None else []
    return {"org": org, "partner": partner, "delegates": delegates, "side": side}
