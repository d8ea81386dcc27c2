"""What a Solutions Center search may answer with: the audiences of who asks, the time
(articles published by then), and optionally one category or platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Where:
    audiences: frozenset[str]
    now: datetime
    category_id: int | None = None
    platform_id: int | None = None
