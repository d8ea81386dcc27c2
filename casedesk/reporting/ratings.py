"""Satisfaction ratings for the reports, from whichever channels collect them. The apps that
ask customers for a rating (live chat today, case closure when it asks) sit above reporting,
so each registers a provider here when it loads; the satisfaction report reads them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from casedesk.reporting.selectors import Filters


@dataclass(frozen=True)
class Rating:
    day: date  # in the provider's time zone, as the other reports' days
    score: int  # 1-5
    comment: str
    source: str  # "chat"


Provider = Callable[[Filters], Iterable[Rating]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Idempotent: an app's `ready()` may run more than once."""
    _PROVIDERS[name] = provider


def collect(f: Filters) -> list[Rating]:
    found: list[Rating] = []
    for _, provider in sorted(_PROVIDERS.items()):
        found.extend(provider(f))
    return sorted(found, key=lambda r: r.day)
