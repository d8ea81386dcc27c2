"""Phone calls: logged by a representative, or reported by the phone system and popped on
the screen of the agent who takes it; the caller found by E.164 however the number is
written; a transfer to a specialist recorded on the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, User
from casedesk.accounts.phones import e164
from casedesk.cases import actions as case_actions
from casedesk.cases.models import Case, Channel
from casedesk.chat.live import broadcast, staff_group
from casedesk.chat.models import Call
from casedesk.core import clock
from casedesk.core.errors import Forbidden, Refused


def callers(number: str) -> list[Contact]:
    """Contacts whose phone or mobile is this number, however it was written."""
    normal = e164(number)
    if not normal:
        return []
    return list(
        Contact.objects.filter(Q(phone_e164=normal) | Q(mobile_e164=normal), active=True)
        .select_related("organisation")
        .order_by("-is_primary_mpoc", "-is_secondary_mpoc", "name")[:10]
    )


def screen_pop(call: Call) -> dict[str, Any]:
    """What the agent taking the call sees at once: who, which organisation, open cases."""
    found = callers(call.number)
    contact = call.contact or (found[0] if found else None)
    cases: list[dict[str, str]] = []
    if contact is not None:
        open_cases = Case.objects.filter(organisation_id=contact.organisation_id).exclude(
            closed_at__isnull=False
        )
        cases = [
            {"number": c.number, "title": c.title, "priority": c.priority}
            for c in open_cases.order_by("-opened_at")[:10]
        ]
    return {
        "type": "call",
        "call": call.pk,
        "number": call.number,
        "contact": contact.name if contact else "",
        "contact_id": contact.pk if contact else None,
        "organisation": contact.organisation.name if contact else "",
        "mpoc": bool(contact and contact.is_mpoc),
        "cases": cases,
        "others": [c.name for c in found[1:]],
    }


@dataclass(frozen=True)
class CallReport:
    """A call as the phone system reports it (`POST /api/v1/calls`)."""

    external_id: str
    caller: str
    called: str
    direction: str = Call.Direction.INBOUND
    agent_email: str = ""
    started_at: datetime | None = None
    duration_seconds: int = 0


def record_call(report: CallReport) -> tuple[Call, bool]:
    """Store the reported call once (by its id) and pop it on the agent's screen."""
    if report.external_id:
        existing = Call.objects.filter(external_id=report.external_id).first()
        if existing is not None:
            return existing, False
    agent = (
        User.objects.filter(email__iexact=report.agent_email, is_staff=True, is_active=True).first()
        if report.agent_email
        else None
    )
    number = report.caller if report.direction == Call.Direction.INBOUND else report.called
    found = callers(number)
    contact = found[0] if len(found) == 1 else None
    now = clock.now()
    try:
        with transaction.atomic():
            call = Call.objects.create(
                direction=report.direction,
                number=number,
                number_e164=e164(number),
                called=report.called if report.direction == Call.Direction.INBOUND else report.caller,
                contact=contact,
                organisation=contact.organisation if contact else None,
                agent=agent,
                started_at=report.started_at or now,
                duration_seconds=max(0, report.duration_seconds),
                external_id=report.external_id,
                recorded_at=now,
            )
            pop = screen_pop(call)
            if agent is not None:
                broadcast(staff_group(agent.pk), pop)
    except IntegrityError:
        return Call.objects.get(external_id=report.external_id), False
    return call, True


def log_call(
    *,
    by: User,
    direction: str,
    number: str,
    started_at: datetime,
    duration_seconds: int,
    notes: str = "",
    contact: Contact | None = None,
    case: Case | None = None,
    open_title: str = "",
    priority: str | None = None,
) -> Call:
    """A representative's record of a call, on a case or on one it opens (`open_title`)."""
    if not permissions.is_staff(by):
        raise Forbidden("Only staff log calls.")
    if direction not in Call.Direction.values:
        raise Refused("Choose inbound or outbound.")
    if not e164(number):
        raise Refused("That does not look like a phone number.")
    if duration_seconds < 0:
        raise Refused("A call cannot last less than nothing.")
    notes = notes.strip()[: case_actions.BODY_MAX]
    with transaction.atomic():
        if case is None and open_title:
            if contact is None:
                raise Refused("Choose the caller the case is opened for.")
            case = case_actions.open_case(
                by=by,
                title=open_title,
                description=notes,
                channel=Channel.PHONE,
                contact=contact,
                priority=priority,
            )
        caller = contact or (case.contact if case else None)
        call = Call.objects.create(
            direction=direction,
            number=number,
            number_e164=e164(number),
            contact=caller,
            organisation=caller.organisation if caller else None,
            case=case,
            agent=by,
            started_at=started_at,
            duration_seconds=duration_seconds,
            notes=notes,
            recorded_at=clock.now(),
        )
        if case is not None:
            minutes, seconds = divmod(duration_seconds, 60)
            case_actions.add_comment(
                case,
                by=by,
                public=False,
                body=f"{direction.title()} call with {number} at {started_at:%Y-%m-%d %H:%M} UTC, "
                f"{minutes} min {seconds} s." + (f"\n\n{notes}" if notes else ""),
            )
    return call


def transfer_call(call: Call, *, by: User, to: User, note: str = "") -> Call:
    """Connect the caller to a specialist: recorded on the call's case."""
    if not permissions.is_staff(by) or not permissions.is_staff(to):
        raise Forbidden("Calls are transferred between staff.")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        call.agent = to
        call.save(update_fields=["agent"])
        if call.case_id:
            case_actions.add_comment(
                Case.objects.get(pk=call.case_id),
                by=by,
                public=False,
                body=f"Call transferred to {to.display_name}." + (f" {note.strip()}" if note.strip() else ""),
            )
        broadcast(staff_group(to.pk), screen_pop(call))
    return call
