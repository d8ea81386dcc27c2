"""Who an escalation reaches (SPEC §6): the next level of a path that has someone for the
case. A level's contacts may be for one platform or one platform team (the platform support
managers: only the case's own hears of it), for legacy network customers only (network
operations), or reachable only in their hours (the on-call manager), or for the customers of one partner (its
own people, who hear in place of the provider's general contacts); a level with no one for
the case is passed.

Pure Python: no Django. `escalation.actions` gives the levels of the path as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Contact:
    """One contact of a level, as far as who it is for."""

    level: int
    key: int = 0  # the row it stands for
    in_hours: bool = True  # False: an on-call contact outside its hours
    legacy_only: bool = False
    platform: int | None = None
    team: int | None = None
    partner: int | None = None  # for the customers that partner (organisation id) manages

    @property
    def general(self) -> bool:
        return self.platform is None and self.team is None


@dataclass(frozen=True)
class Escalated:
    """The case, as escalation sees it."""

    platform: int | None = None
    team: int | None = None  # the team of its platform (its own team when it has none)
    legacy_network: bool = False
    partner: int | None = None  # the partner or rebiller that manages its organisation


def reachable(level: Sequence[Contact], case: Escalated) -> list[Contact]:
    """Those of one level's contacts who hear of the case. For a customer of a partner for
    whom the level names contacts, those contacts, in place of the others; then the case's
    own platform's (or platform team's) where the level names any for it, else the general
    ones. Never a contact out of its hours, a legacy-only one for another customer, nor one
    for another partner (or for a partner at all, when the case's customer has none)."""
    people = [
        c
        for c in level
        if c.in_hours
        and (case.legacy_network or not c.legacy_only)
        and (c.partner is None or c.partner == case.partner)
    ]
    partners = [c for c in people if c.partner is not None]
    return _chosen(partners, case) or _chosen([c for c in people if c.partner is None], case)


def _chosen(people: Sequence[Contact], case: Escalated) -> list[Contact]:
    own = [
        c
        for c in people
        if (c.platform is not None and c.platform == case.platform)
        or (c.platform is None and c.team is not None and c.team == case.team)
    ]
    return own or [c for c in people if c.general]


def next_level(contacts: Sequence[Contact], current: int, case: Escalated) -> tuple[int, list[Contact]]:
    """The first level above `current` with someone to reach, and whom; (0, []) when
    there is none (the case is at the top of the path)."""
    for number in sorted({c.level for c in contacts if c.level > current}):
        reached = reachable([c for c in contacts if c.level == number], case)
        if reached:
            return number, reached
    return 0, []
