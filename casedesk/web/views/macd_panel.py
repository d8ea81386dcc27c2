"""What a case page adds for a MACD request (portal and console): its panel."""

from __future__ import annotations

from typing import Any

from casedesk.macd import selectors


def context(case: Any, user: Any) -> dict[str, Any]:
    if not case.is_macd:
        return {}
    return {"macd": selectors.panel(case, user)}
