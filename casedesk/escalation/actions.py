"""Escalation along the published support path (SPEC §6): a customer or staff member
presses Escalate, the next level is notified, and the timeline shows it."""

from __future__ import annotations

from itertools import groupby

from django.db import transaction

from casedesk.accounts.permissions import actor_for, customer_contact
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.escalation import alerts as notices
from casedesk.rules.lifecycle import Actor
from casedesk.sla import config
from casedesk.sla.models import EscalationLevel, EscalationPath


def support_levels() -> list[list[EscalationLevel]]:
    levels = EscalationLevel.objects.filter(path__kind=EscalationPath.Kind.SUPPORT).select_related(
        "platform", "on_call_calendar"
    )
    return [list(group) for _, group in groupby(levels.order_by("level", "id"), key=lambda lv: lv.level)]


def _reachable(level: list[EscalationLevel], case: Case) -> list[EscalationLevel]:
    """Who at this level hears of it: the case platform's own manager where one is named;
    an on-call level only during its hours."""
    now = clock.now()
    cfg = config.current()
    people = [
        lv
        for lv in level
        if lv.on_call_calendar is None or cfg.calendar(lv.on_call_calendar.key).is_open(now)
    ]
    own = [lv for lv in people if lv.platform_id is not None and lv.platform_id == case.platform_id]
    return own or [lv for lv in people if lv.platform_id is None] or people


def escalate(case: Case, *, by: actions.Who, reason: str = "") -> tuple[Case, list[EscalationLevel]]:
    actor = actor_for(by)
    if actor == Actor.CUSTOMER:
        contact = customer_contact(by)
        if contact is None or contact.organisation_id != case.organisation_id:
            raise NotFound("No such case.")
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        case = actions.lock(case)
        if not case.is_open:
            raise Refused(f"{case.number} is {case.status_label}; ask to reopen it instead.")
        levels = support_levels()
        number = case.escalation_level
        reached: list[EscalationLevel] = []
        while not reached:
            number += 1
            if number > len(levels):
                raise Refused(f"{case.number} is already escalated to the highest level of the support path.")
            reached = _reachable(levels[number - 1], case)
        roles = ", ".join(dict.fromkeys(lv.role for lv in reached))
        actions.raise_escalation(
            case,
            by=by,
            actor=actor,
            level=number,
            body=f"Escalated to level {number}: {roles}." + (f"\n{reason}" if reason else ""),
        )
        name = str(getattr(by, "display_name", None) or getattr(by, "name", None) or "Someone")
        notices.escalated(case, reached, reason, name)
    return case, reached
