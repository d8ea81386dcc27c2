"""The partner that manages an organisation, and who of it acts for the organisation."""

from typing import Any

from django import template

from casedesk.accounts import selectors

register = template.Library()


@register.inclusion_tag("web/_partner_card.html")
def partner_card(org: Any, side: str = "console", contacts: list[Any] | None = None) -> dict[str, Any]:
    """`contacts`: the organisation's active contacts by name, when the page read them."""
    partner = org.partner if org.partner_id else None
    if partner is None:
        delegates = []
    elif contacts is not None:
        delegates = [c for c in contacts if c.delegate_of_id is not None]
    else:
        delegates = list(selectors.delegates_of(org))
    return {"org": org, "partner": partner, "delegates": delegates, "side": side}
