"""The one way templates show a time or a duration (a builtin: no `{% load %}` needed).

`{{ case.opened_at|when }}` gives `Wed 2 Dec 2026, 12:44 MST` in the active zone, which
the web layer sets to the reader's and e-mails to their organisation's; `|when:"date"`,
`|when:"time"`, `|when:"day"` are shorter forms. `{{ breach.late|duration }}` gives
`2 h 05 min`."""

from __future__ import annotations

from datetime import timedelta

from django import template

from casedesk.core import when as _when

register = template.Library()


@register.filter(name="when")
def when_filter(value: object, form: str = "full") -> str:
    return _when.human(value, form if form in _when.FORMS else "full")


@register.filter(name="duration")
def duration_filter(value: timedelta | int | None, unit: str = "") -> str:
    return _when.duration(value, minutes=unit == "minutes")
