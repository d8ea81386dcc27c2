"""The case pages' card of who is copied on the case, with the forms its reader may use."""

from __future__ import annotations

from typing import Any

from django import template

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.cases import selectors
from casedesk.rules.permissions import Ability

register = template.Library()


@register.inclusion_tag("web/_participants.html", takes_context=True)
def participants_card(
    context: template.Context,
    case: Any,
    side: str,
    rows: list[Any] | None = None,
    contacts: list[Any] | None = None,
) -> dict[str, Any]:
    """`side`: "console" (staff who may write to customers copy anyone) or "portal" (a main
    point of contact copies colleagues; others read the list). `rows` and `contacts`: the
    participants and the organisation's active contacts by name, when the page read them."""
    user = context["request"].user
    ability = Ability.COMMENT if side == "console" else Ability.MANAGE_PARTICIPANTS
    may = permissions.can(user, ability)
    if rows is None:
        rows = selectors.participants(case)
    taken = [p.contact_id for p in rows]
    if may and contacts is not None:
        excluded = {case.contact_id, *taken}
        choices = [c for c in contacts if c.pk not in excluded]
    else:
        choices = list(accounts.colleagues(case.organisation_id, [case.contact_id, *taken])) if may else []
    return {
        "case": case,
        "side": side,
        "participants": rows,
        "may": may,
        "outside": may and side == "console",
        "choices": choices,
        "csrf_token": context.get("csrf_token"),
    }
