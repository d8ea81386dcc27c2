"""Staff work on a case: disposition, details, related cases, and the system's routing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Team, User
from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.models import Case, CaseEvent, Priority
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import lifecycle
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability
from casedesk.sla import terms


def disposition(case: Case, *, by: Who, priority: str, team: Team | None, assignee: User | None) -> Case:
    """Staff review: set priority, team and assignee; the case leaves the triage queue.

    Staff who may only route it (representatives; technicians of another team) keep the
    priority and change team and assignee; the case then stays in triage."""
    base.require_staff(by)
    base.check_assignee(assignee)

    def decide(locked: Case) -> dict[str, Any]:
        base.require_workable(locked)
        values: dict[str, Any] = {"team": team, "assignee": assignee}
        if priority != locked.priority or permissions.reaches(by, Ability.DISPOSE, locked):
            permissions.require_for_case(by, Ability.DISPOSE, locked)
            values["priority"] = permissions.check_priority(by, priority, current=locked.priority)
            values["needs_triage"] = False
        else:
            permissions.require(by, Ability.ROUTE)
        return values

    with transaction.atomic():
        case = base.change_fields(case, decide, by=by, actor=Actor.STAFF, public=False)
        if assignee is not None:
            _pick_up(case, by)
    return case


def _pick_up(case: Case, by: Who) -> None:
    """Someone is assigned to the (locked) case: a New case has been picked up and moves
    where the lifecycle rules send it, on the public timeline, as part of the assignment
    (whoever may assign may make this move, a representative routing a call too)."""
    target = lifecycle.on_assignment(case.status_enum)
    if target is None:
        return
    changes = base.move(case, target, Actor.STAFF, clock.now())
    case.save()
    base.record(case, by, Actor.STAFF, CaseEvent.Kind.STATUS, changes=changes)


def update_details(case: Case, *, by: Who, **values: Any) -> Case:
    """Staff set vendor and its ticket reference, ETR, shipping carrier and tracking."""
    base.require_staff(by, Ability.WORK_CASE)
    allowed = {"vendor", "vendor_ticket", "etr", "shipping_carrier", "tracking_number", "title"}
    unknown = set(values) - allowed
    if unknown:
        raise Refused(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    limits = {"vendor": 120, "vendor_ticket": 120, "shipping_carrier": 60, "tracking_number": 80}
    for field, limit in limits.items():
        if field in values:
            values[field] = base.clean_text(
                values[field], field.replace("_", " "), required=False, limit=limit
            )
    if "title" in values:
        values["title"] = base.clean_text(
            values["title"], "title", required=True, limit=base.TITLE_MAX, single_line=True
        )
    etr = values.get("etr")
    if etr is not None and etr <= clock.now():
        raise Refused("The estimated time of resolution must be in the future.")
    return base.change_fields(case, values, by=by, actor=Actor.STAFF, public=True, require=Ability.WORK_CASE)


def correct(case: Case, *, by: Who, **values: Any) -> Case:
    """Staff correct what the case is about: its title and its platform (one of the
    organisation's active platforms, or none). A case that gets a platform and has no team
    yet goes to the platform's team, as a new case naming it would; one timeline entry."""
    base.require_staff(by, Ability.WORK_CASE)
    unknown = set(values) - {"title", "platform"}
    if unknown:
        raise Refused(f"These fields cannot be corrected here: {', '.join(sorted(unknown))}.")
    if "title" in values:
        values["title"] = base.clean_text(values["title"], "title", required=True, limit=base.TITLE_MAX)

    def decide(locked: Case) -> dict[str, Any]:
        platform = values.get("platform", locked.platform)
        if "platform" in values and platform is not None:
            if not platform.active or not locked.organisation.platforms.filter(pk=platform.pk).exists():
                raise Refused(f"{locked.organisation.name} has no platform {platform.name}.")
            if locked.team_id is None and platform.team_id is not None:
                return {**values, "team": platform.team}
        return dict(values)

    return base.change_fields(case, decide, by=by, actor=Actor.STAFF, public=False, require=Ability.WORK_CASE)


def set_update_interval(case: Case, *, by: Who, minutes: int | None) -> Case:
    """Staff record the update interval the customer asked for (the plan's "hourly, or as
    requested"), on the public timeline; None withdraws the request. Only more often than
    the case's policy: a longer interval is no request the plan covers."""
    base.require_staff(by, Ability.WORK_CASE)

    def decide(locked: Case) -> dict[str, Any]:
        if minutes is not None:
            try:
                terms.check_requested_update(
                    locked.priority, locked.vendor, locked.organisation_id, timedelta(minutes=minutes)
                )
            except ValueError as exc:
                raise Refused(str(exc)) from None
        return {"requested_update_minutes": minutes}

    return base.change_fields(case, decide, by=by, actor=Actor.STAFF, public=True, require=Ability.WORK_CASE)


def link_related(case: Case, other: Case, *, by: Who, unlink: bool = False) -> Case:
    base.require_staff(by, Ability.WORK_CASE)
    if other.pk == case.pk:
        raise Refused("A case cannot be related to itself.")
    with transaction.atomic():
        case = base.lock(case)
        permissions.require_for_case(by, Ability.WORK_CASE, case)
        if unlink:
            case.related.remove(other)
        else:
            case.related.add(other)
        verb = "unlinked from" if unlink else "related to"
        for one, two in ((case, other), (other, case)):
            base.record(
                one,
                by,
                Actor.STAFF,
                CaseEvent.Kind.LINK,
                body=f"{verb.capitalize()} {two.number}.",
                changes={"related": [two.number, None] if unlink else [None, two.number]},
                public=False,
            )
    return case


def route(case: Case, *, team: Team | None = None, assignee: User | None = None, note: str = "") -> Case:
    """The system routes a case to a team and a technician (e-mail intake's round robin);
    unlike `disposition`, the case stays in the triage queue until staff review it."""
    base.check_assignee(assignee)
    values: dict[str, Any] = {}
    if team is not None:
        values["team"] = team
    if assignee is not None:
        values["assignee"] = assignee
    return base.change_fields(case, values, by=None, actor=Actor.SYSTEM, public=False, body=note)


def raise_escalation(
    case: Case, *, by: Who, actor: Actor, level: int, body: str, path: str = "support", previous: int = 0
) -> Case:
    """Record that the (locked, open) case reached escalation `level` of `path`. The
    support path's level is kept on the case; another path's (its `previous` level given)
    by the escalation app, and the timeline names the path in the field it changes
    (`billing_escalation_level`)."""
    if by is not None and actor != Actor.SYSTEM:
        base.require_ability(case, by, Ability.ESCALATE)
    if path == "support":
        field, old = "escalation_level", case.escalation_level
        case.escalation_level = level
        Case.objects.filter(pk=case.pk).update(escalation_level=level)
    else:
        field, old = f"{path}_escalation_level", previous
    base.record(
        case,
        by,
        actor,
        CaseEvent.Kind.ESCALATION,
        body=body,
        changes={field: [old or None, level]},
    )
    return case


def designate_master(case: Case, *, by: Who) -> Case:
    """Make the (locked, open) case a master case (P1G), out of triage, its owner `by` if
    it had none; the caller checks it is not already part of an incident."""
    base.require_staff(by, Ability.MASTER_CASES)
    values: dict[str, Any] = {"priority": Priority.P1G.value, "needs_triage": False}
    if case.assignee_id is None:
        values["assignee"] = by
    changes = base.apply(case, values)
    case.updated_at = clock.now()
    case.save()
    base.record(
        case,
        by,
        Actor.STAFF,
        CaseEvent.Kind.CHANGE,
        body="Designated a master case (P1G).",
        changes={"priority": changes.get("priority", [case.priority, case.priority])},
    )
    return case
