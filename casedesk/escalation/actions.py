"""Escalation along the published paths (SPEC §6): a customer or staff member presses
Escalate on a path (support unless another is chosen: billing, implementation, client
success, sales), the next level of that path with someone for the case is notified, and
the timeline shows it. Who a level reaches is `rules.escalation`; the level each case has
reached on each path is a `CaseEscalation` row."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from casedesk.accounts.permissions import actor_for, customer_contact
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.escalation import alerts as notices
from casedesk.escalation.models import CaseEscalation
from casedesk.rules import escalation as rules
from casedesk.rules.lifecycle import Actor
from casedesk.sla import config
from casedesk.sla.models import EscalationLevel, EscalationPath

SUPPORT = EscalationPath.Kind.SUPPORT.value


def path_kind(value: str | None) -> str:
    """The path asked for (support when none is), or Refused naming the paths."""
    kind = (value or SUPPORT).strip()
    if kind not in EscalationPath.Kind.values:
        names = ", ".join(EscalationPath.Kind.values)
        raise Refused(f"No escalation path {kind!r}; the paths are {names}.")
    return kind


def path_levels(kind: str) -> list[EscalationLevel]:
    """Every contact of the path, lowest level first."""
    return list(
        EscalationLevel.objects.filter(path__kind=kind)
        .select_related("path", "on_call_calendar")
        .order_by("level", "id")
    )


def _contact(level: EscalationLevel, now: datetime, cfg: config.Config) -> rules.Contact:
    calendar = level.on_call_calendar
    return rules.Contact(
        level=level.level,
        key=level.pk,
        in_hours=calendar is None or cfg.calendar(calendar.key).is_open(now),
        legacy_only=level.legacy_network_only,
        platform=level.platform_id,
        team=level.team_id,
        partner=level.partner_id,
    )


def _escalated(case: Case) -> rules.Escalated:
    platform = case.platform
    team = platform.team_id if platform is not None and platform.team_id else case.team_id
    org = case.organisation
    return rules.Escalated(
        platform=case.platform_id, team=team, legacy_network=org.legacy_network, partner=org.partner_id
    )


def escalate(
    case: Case, *, by: actions.Who, reason: str = "", path: str | None = None
) -> tuple[Case, list[EscalationLevel]]:
    """Escalate `case` one level up `path` (support by default); returns the case and the
    contacts reached, all of one level."""
    actor = actor_for(by)
    if actor == Actor.CUSTOMER:
        contact = customer_contact(by)
        if contact is None or contact.organisation_id != case.organisation_id:
            raise NotFound("No such case.")
    kind = path_kind(path)
    label = EscalationPath.Kind(kind).label
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        case = actions.lock(case)
        if not case.is_open:
            raise Refused(f"{case.number} is {case.status_label}; ask to reopen it instead.")
        levels = path_levels(kind)
        if not levels:
            raise Refused(f"The {label.lower()} escalation path has no levels yet.")
        row = CaseEscalation.objects.filter(case=case, path__kind=kind).first()
        current = row.level if row is not None else (case.escalation_level if kind == SUPPORT else 0)
        now, cfg = clock.now(), config.current()
        number, contacts = rules.next_level(
            [_contact(lv, now, cfg) for lv in levels], current, _escalated(case)
        )
        if not number:
            raise Refused(
                f"{case.number} is already escalated to the highest level of the {label.lower()} path."
            )
        by_key = {lv.pk: lv for lv in levels}
        reached = [by_key[c.key] for c in contacts]
        roles = ", ".join(dict.fromkeys(lv.role for lv in reached))
        where = "" if kind == SUPPORT else f" on the {label.lower()} path"
        actions.raise_escalation(
            case,
            by=by,
            actor=actor,
            level=number,
            path=kind,
            previous=current,
            body=f"Escalated{where} to level {number}: {roles}." + (f"\n{reason}" if reason else ""),
        )
        CaseEscalation.objects.update_or_create(
            case=case, path=reached[0].path, defaults={"level": number, "at": now}
        )
        name = str(getattr(by, "display_name", None) or getattr(by, "name", None) or "Someone")
        notices.escalated(case, reached, reason, name)
    return case, reached
