"""The escalation paths a case may be escalated on, with how far up each it is: for the
Escalate forms of the portal and the console."""

from __future__ import annotations

from typing import Any

from django import template

from casedesk.cases.models import Case
from casedesk.escalation import selectors

register = template.Library()


@register.simple_tag
def escalation_paths(case: Case) -> dict[str, Any]:
    paths = selectors.case_paths(case)
    return {"paths": paths, "reached": [p for p in paths if p.level]}
