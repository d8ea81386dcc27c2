from typing import Any

from django import template
from django.utils.safestring import SafeString

from casedesk.core import when
from casedesk.web import facts_html

register = template.Library()


@register.simple_tag
def update_cadence(case: Any) -> str:
    """How often the case is owed updates, and whose terms say so."""
    return facts_html.update_cadence(case)


@register.simple_tag(takes_context=True)
def case_facts(context: Any, case: Any) -> SafeString:
    """The case pages' facts card (`web/facts_html`)."""
    return facts_html.render(case, context["now"])


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")


FIELD_LABELS = {
    "requested_update_minutes": "Updates requested every (minutes)",
    "close_warning": "Closes if no reply",
    "completion_extension_minutes": "Extra time for the completion target (business minutes, in total)",
    "time_minutes": "Time logged (minutes)",
    "inventory_applied": "Changes made in the inventory",
}


@register.filter
def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


@register.filter
def change_value(value: Any) -> Any:
    """Audit values are stored as JSON; show times in local time and flags as words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return when.human(value)
    return value
