"""Notices the clocks and escalations send: rows in the outbox, with dedupe keys so that a
sweep run twice sends each once."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from casedesk.cases.clocks import Alert
from casedesk.cases.models import Case
from casedesk.core.when import human, plan_zone
from casedesk.outbox import delivery as outbox
from casedesk.outbox.models import OutboundMessage
from casedesk.rules import escalation as rules
from casedesk.rules import triage
from casedesk.sla import config
from casedesk.sla.models import EscalationLevel

ON_CALL = "on-call"


def _local(instant: datetime | None) -> str:
    return human(instant, zone=plan_zone()) if instant else "-"


def _link(case: Case, side: str = "console") -> str:
    return f"{settings.CASEDESK_BASE_URL}/{side}/cases/{case.number}/"


def hold_woken(case: Case) -> list[OutboundMessage]:
    """The assignee's notice (not yet saved) that a case is back from hold."""
    if case.assignee is None or not case.assignee.email:
        return []
    return [
        outbox.build(
            kind="hold_woken",
            to=case.assignee.email,
            case=case,
            subject=f"[{case.number}] Back from hold: {case.title}",
            text=f"{case.number} was on hold until {_local(case.on_hold_until)} and is In-Progress "
            f"again.\n\n{_link(case)}\n",
            dedupe_key=f"hold-woken:{case.pk}:{case.updated_at.isoformat()}",
        )
    ]


def sla_alert(
    case: Case, alert: Alert, now: datetime, on_call: list[tuple[int | None, str]] | None = None
) -> list[OutboundMessage]:
    """The outbox rows (not yet saved) of one warning or breach notice; `on_call` is the
    on-call managers (partner, address) if already looked up for this instant."""
    what = alert.clock.value.replace("_", " ")
    key = f"sla:{case.pk}:{alert.clock.value}:{alert.stage}:{alert.due.isoformat()}"
    recipients: list[tuple[str, str]] = []
    priority = case.get_priority_display()
    if alert.stage == "warn":
        if case.assignee is not None:
            recipients.append(("assignee", case.assignee.email))
        subject = f"[{case.number}] {priority} {what} due {_local(alert.due)}"
        text = f"The {what} target of {case.number} ({priority}) is due at {_local(alert.due)}."
    else:
        if case.team is not None and case.team.manager is not None:
            recipients.append(("manager", case.team.manager.email))
        elif case.assignee is not None:
            recipients.append(("assignee", case.assignee.email))
        if triage.pages_on_call(case.priority):
            on_call = on_call_now(now) if on_call is None else on_call
            recipients += [("on-call", email) for email in _on_call_for(case, on_call)]
        subject = f"[{case.number}] SLA breach: {priority} {what} was due {_local(alert.due)}"
        text = f"The {what} target of {case.number} ({priority}) passed at {_local(alert.due)}."
    return [
        outbox.build(
            kind=f"sla_{alert.stage}",
            to=email,
            case=case,
            subject=subject,
            text=f"{text}\n\n{case.title}\n{case.organisation.name}\n{_link(case)}\n",
            dedupe_key=f"{key}:{role}:{email}",
        )
        for role, email in dict.fromkeys(recipients)
        if email
    ]


def on_call_now(now: datetime) -> list[tuple[int | None, str]]:
    """The on-call managers (the partner each is for, and the address) while their hours
    are on (weeknights, weekends)."""
    calendar = config.current().calendars.get(ON_CALL)
    if calendar is None or not calendar.is_open(now):
        return []
    return list(
        EscalationLevel.objects.filter(on_call_calendar__key=ON_CALL)
        .order_by("id")
        .values_list("partner_id", "email")
    )


def _on_call_for(case: Case, on_call: list[tuple[int | None, str]]) -> list[str]:
    """A partner's own on-call manager for its customers' cases in place of the provider's;
    never one for another partner's (`rules.escalation`)."""
    people = [rules.Contact(level=0, key=i, partner=partner) for i, (partner, _) in enumerate(on_call)]
    reached = rules.reachable(people, rules.Escalated(partner=case.organisation.partner_id))
    return [on_call[c.key][1] for c in reached]


def _addresses(case: Case, level: EscalationLevel) -> list[str]:
    """Who is told for one contact of a level: its address; for a level without one (the
    support desk, whose address is the intake itself) the case's assignee and team manager."""
    if level.email:
        return [level.email]
    people = [case.assignee, case.team.manager if case.team is not None else None]
    return [person.email for person in people if person is not None and person.email]


def escalated(case: Case, levels: list[EscalationLevel], reason: str, by_name: str) -> None:
    told: set[str] = set()
    for level in levels:
        where = "" if level.path.kind == "support" else f" on the {str(level.path).lower()} path"
        for address in _addresses(case, level):
            if address.lower() in told:
                continue
            told.add(address.lower())
            outbox.enqueue(
                kind="escalation",
                to=address,
                case=case,
                subject=f"[{case.number}] Escalated to you ({level.role}): {case.title}",
                text=(
                    f"{by_name} escalated case {case.number} of {case.organisation.name} "
                    f"({case.get_priority_display()}, {case.status_label}) to {level.role}{where}.\n\n"
                    f"Reason: {reason or '-'}\n\n{_link(case)}\n"
                ),
                automatic=False,
            )
