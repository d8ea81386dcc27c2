"""Priorities and triage (Client Support Plan §2, §3, §5): the one list of priorities, which
of them a staff member may set, how a new case starts, and which page the on-call manager.

Pure Python: no Django. Forms, API schemas and actions all ask here, so a priority one
channel refuses is refused by every channel.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from casedesk.rules.permissions import Ability


class Priority(enum.StrEnum):
    """The plan's priorities; the values are those the case records hold."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P1G = "P1G"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: Mapping[Priority, str] = MappingProxyType(
    {
        # The plan's own names (SPEC §3, §5: a master case is "P1 Global").
        Priority.P1: "Priority 1",
        Priority.P2: "Priority 2",
        Priority.P3: "Priority 3",
        Priority.P4: "Priority 4",
        Priority.P1G: "Priority 1G (Global)",
    }
)

# What a disposition or an opening may set, in the plan's order. P1G is never set so: it
# comes with designating a master case (staff only, with the master-case ability).
SETTABLE = (Priority.P1, Priority.P2, Priority.P3, Priority.P4)
# A case nobody has triaged yet: customer-opened (portal, e-mail, API) or opened by staff
# without a priority.
UNTRIAGED = Priority.P4
# Breaches of these page the on-call manager out of hours; a master case is a P1 for many.
PAGES_ON_CALL = frozenset({Priority.P1, Priority.P2, Priority.P1G})


class PriorityRefused(Exception):
    """A priority that may not be set; `forbidden` when it is the role, not the request,
    that is wrong. The message says why, for the person who asked."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden


def may_set(priority: Priority, held: frozenset[Ability]) -> bool:
    if priority not in SETTABLE or Ability.DISPOSE not in held:
        return False
    return priority != Priority.P1 or Ability.SET_P1 in held


def settable(held: frozenset[Ability], current: Priority | None = None) -> list[Priority]:
    """The priorities to offer, in order: those `held` may set, and the current one (keeping
    a priority is not setting it)."""
    return [p for p in Priority if may_set(p, held) or p == current]


def check(value: str, held: frozenset[Ability], current: Priority | None = None) -> Priority:
    """The priority asked for, if staff holding `held` may set it on a case now at `current`;
    otherwise PriorityRefused saying why."""
    try:
        priority = Priority(value)
    except ValueError:
        raise PriorityRefused(f"Unknown priority {value!r}.") from None
    if priority == current:
        return priority
    if priority == Priority.P1G:
        raise PriorityRefused("P1G is reserved for master cases.")
    if Ability.DISPOSE not in held:
        raise PriorityRefused(
            "Your role does not set priorities; the case waits in triage for a technician.", forbidden=True
        )
    if not may_set(priority, held):
        raise PriorityRefused(
            f"Your role may set {', '.join(p for p in SETTABLE if may_set(p, held))} but not {priority}; "
            "ask a manager.",
            forbidden=True,
        )
    return priority


@dataclass(frozen=True)
class Start:
    priority: Priority
    needs_triage: bool


def start(*, by_staff: bool, priority: Priority | None = None, master: bool = False) -> Start:
    """How a new case starts: customers' cases (any channel) as P4 awaiting triage; staff's
    with the priority they set (checked with `check`), else P4 awaiting triage too."""
    if master:
        return Start(Priority.P1G, needs_triage=False)
    if not by_staff or priority is None:
        return Start(UNTRIAGED, needs_triage=True)
    return Start(priority, needs_triage=False)


def pages_on_call(priority: str) -> bool:
    return priority in PAGES_ON_CALL
