"""The input checks the status actions share: text with the status limits, impacts."""

from __future__ import annotations

from casedesk.cases import actions as case_actions
from casedesk.core.errors import Refused
from casedesk.status.models import Impact

TITLE_MAX = 200
BODY_MAX = 20_000


def text(value: str, what: str, *, required: bool = True, limit: int = BODY_MAX) -> str:
    return case_actions.clean_text(value, what, required=required, limit=limit)


def title(value: str, what: str = "title") -> str:
    """A title: required, bounded, on one line (it becomes the subject of every notice)."""
    return case_actions.clean_text(value, what, required=True, limit=TITLE_MAX, single_line=True)


def impact(value: str) -> str:
    if value not in Impact.values:
        raise Refused(f"Unknown impact {value!r}.")
    return value
