from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")


@register.filter
def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@register.filter
def change_value(value: Any) -> Any:
    """Audit values are stored as JSON; show times in local time and flags as words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M %Z")
        except ValueError:
            return value
    return value
