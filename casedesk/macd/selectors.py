"""Reads of MACD requests, scoped by who asks (through `cases.selectors`): a request's page
panel (changes, approvals, time and fee so far), the lists of the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from casedesk.accounts import permissions
from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.cases import selectors as cases
from casedesk.cases.models import Case, Kind
from casedesk.core.errors import NotFound
from casedesk.macd import changes, fees, timesheet
from casedesk.macd.models import Approval, Request, TimeEntry
from casedesk.rules import billing
from casedesk.rules.approvals import State
from casedesk.rules.permissions import Ability
from casedesk.solutions import selectors as solutions
from casedesk.solutions.models import Article


def requests_visible_to(user: Any) -> QuerySet[Case]:
    return cases.cases_visible_to(user).filter(kind=Kind.MACD)


def get_request(user: Any, number: str) -> Case:
    """A MACD request the user may see, else 404 (another organisation's included)."""
    case = cases.get_case(user, number)
    if case.kind != Kind.MACD:
        raise NotFound(f"{case.number} is not a MACD request.")
    return case


@dataclass(frozen=True)
class Panel:
    case: Case
    request: Request
    changes: list[tuple[str, dict[str, Any]]]  # (label, change)
    approvals: list[Approval]
    state: State
    totals: timesheet.Totals
    estimate: billing.Fee
    may_decide: bool  # the viewer is an MPOC who has not decided, and it awaits approval
    entries: list[TimeEntry]  # staff only
    my_timer: TimeEntry | None
    viewer: Any = None

    @cached_property
    def guided_changes(self) -> list[tuple[str, dict[str, Any], Article | None]]:
        """(label, change, the how-to article this viewer may read or None): read only by
        the pages that show it, so lists of requests pay nothing for it."""
        found = solutions.guides(self.viewer)
        return [(label, c, found.get(changes.type_key(c["kind"], c["op"]))) for label, c in self.changes]

    @property
    def fee_so_far(self) -> str:
        return billing.money(self.totals.fee.total)

    @property
    def estimate_total(self) -> str:
        return billing.money(self.estimate.total)

    @property
    def workable(self) -> bool:
        return self.state.workable


def panel(case: Case, user: Any) -> Panel:
    request = Request.objects.get(pk=case.pk)
    approvals = list(request.approvals.select_related("contact").order_by("id"))
    state = State(case.approval or State.NOT_NEEDED)
    contact = customer_contact(user)
    decided = {a.contact_id for a in approvals if a.decision != "pending"}
    may_decide = (
        contact is not None
        and state == State.PENDING
        and contact.pk not in decided
        and permissions.can(user, Ability.APPROVE_MACD)
    )
    staff = is_staff(user)
    entries = list(request.time_entries.select_related("staff")) if staff else []
    mine = next((e for e in entries if e.running and e.staff_id == user.pk), None) if staff else None
    return Panel(
        case=case,
        request=request,
        changes=[(changes.label(changes.type_key(c["kind"], c["op"])), c) for c in request.changes],
        approvals=approvals,
        state=state,
        totals=timesheet.totals(request),
        estimate=fees.estimate(request.estimated_minutes, request.speed),
        may_decide=may_decide,
        entries=entries,
        my_timer=mine,
        viewer=user,
    )
