"""What a MACD request (a case of kind MACD) records on its case: its approval state, and a
carrier's or vendor's need for longer, which moves its completion target. The request's
own rows (approvers, time) are `casedesk.macd`'s; the case keeps what its clocks and the
work gate read."""

from __future__ import annotations

from django.db import transaction

from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.models import Case, CaseEvent, Kind
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import approvals
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability
from casedesk.rules.timeline import EXTENSION


def set_approval(case: Case, *, state: str, by: Who | None, actor: Actor, body: str = "") -> Case:
    """Store the request's approval state (decided by `casedesk.macd` under its own lock) on
    the public timeline; an approval starts its completion clock."""
    approvals.State(state)
    with transaction.atomic():
        case = base.lock(case)
        if case.kind != Kind.MACD:
            raise Refused(f"{case.number} is not a MACD request.")
        if case.approval == state:
            return case
        changes = base.apply(case, {"approval": state})
        case.updated_at = clock.now()
        case.save()
        base.record(case, by, actor, CaseEvent.Kind.CHANGE, body=body, changes=changes, public=True)
    return case


def extend_completion(case: Case, *, by: Who, before: int, after: int, note: str) -> Case:
    """Staff record that a carrier or vendor needs longer: the completion target moves by
    the business time added (`after` - `before` minutes in total), the customer is told why."""
    base.require_staff(by, Ability.WORK_CASE)
    note = base.clean_text(note, "reason", required=True, limit=2000)
    with transaction.atomic():
        case = base.lock(case)
        if case.kind != Kind.MACD:
            raise Refused(f"{case.number} is not a MACD request.")
        base.permissions.require_for_case(by, Ability.WORK_CASE, case)
        base.require_workable(case)
        if not case.is_open:
            raise Refused(f"{case.number} is closed; its target no longer runs.")
        case.updated_at = clock.now()
        case.save(update_fields=["updated_at"])
        base.record(
            case, by, Actor.STAFF, CaseEvent.Kind.CHANGE, body=note, changes={EXTENSION: [before, after]}
        )
    return case
