"""Approval of MACD requests by an organisation's MPOCs (Client Support Plan §7: requests
are worked only with their approval, since they may change licensing and billing).

Pure Python: no Django. Each approver asked has one decision; the organisation's rule says
whether any one of them suffices or all must approve.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass


class Rule(enum.StrEnum):
    ANY = "any"  # any one MPOC's approval suffices
    ALL = "all"  # every MPOC asked must approve

    @property
    def label(self) -> str:
        return {"any": "Any one MPOC", "all": "All MPOCs"}[self.value]


class Decision(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class State(enum.StrEnum):
    NOT_NEEDED = "not_needed"  # a pre-approved standard change
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "not_needed": "Pre-approved",
            "pending": "Awaiting approval",
            "approved": "Approved",
            "declined": "Declined",
        }[self.value]

    @property
    def workable(self) -> bool:
        return self in (State.APPROVED, State.NOT_NEEDED)


@dataclass(frozen=True)
class Outcome:
    state: State
    waiting_on: tuple[int, ...]  # approvers still to decide, while pending


def outcome(rule: Rule, decisions: Mapping[int, Decision]) -> Outcome:
    """Where a request stands given each asked approver's decision: with ANY, the first
    decision decides; with ALL, one decline declines and every approval approves."""
    approved = [k for k, d in decisions.items() if d == Decision.APPROVED]
    declined = [k for k, d in decisions.items() if d == Decision.DECLINED]
    waiting = tuple(sorted(k for k, d in decisions.items() if d == Decision.PENDING))
    if not decisions:
        raise ValueError("A request needing approval has at least one approver.")
    if declined:
        return Outcome(State.DECLINED, ())
    if rule == Rule.ANY and approved:
        return Outcome(State.APPROVED, ())
    if rule == Rule.ALL and not waiting:
        return Outcome(State.APPROVED, ())
    return Outcome(State.PENDING, waiting)


def needs_approval(change_types: Collection[str], pre_approved: Collection[str]) -> bool:
    """Whether a request asks for anything outside the organisation's catalogue of
    pre-approved standard changes (an empty request is never pre-approved)."""
    return not change_types or not set(change_types) <= set(pre_approved)


def check_decision(current: Decision, decided_state: State) -> None:
    """ValueError, saying why, unless an approver may decide now."""
    if current != Decision.PENDING:
        raise ValueError(f"You have already {current.value} this request.")
    if decided_state != State.PENDING:
        raise ValueError(f"This request is no longer awaiting approval: it is {decided_state.label.lower()}.")


def work_refusal(state: str, number: str, rule: str = "", closing: bool = False) -> str | None:
    """Why staff may not work a MACD request in approval `state` ("" for a support case),
    or None when they may. Until approved nothing is worked; a declined request may only
    be closed (`closing`: the move is to a closed status)."""
    if state == State.PENDING:
        who = {"all": "all of its MPOCs", "any": "one of its MPOCs"}.get(rule, "its MPOCs")
        return (
            f"{number} is a MACD request awaiting approval: it may be worked only once {who} "
            "approved it (plan §7)."
        )
    if state == State.DECLINED and not closing:
        return f"{number} is a MACD request its MPOCs declined: it may only be closed, not worked."
    return None
