"""Every write to a MACD request: submitting one (a case of kind MACD opened through the case
actions), approvers' decisions, a carrier's or vendor's extension. Time entries are in
`timesheet`. Each runs in one transaction under the request's row lock, asks the rules,
writes, and records on the case's timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Team
from casedesk.accounts.permissions import actor_for, customer_contact
from casedesk.cases import actions as cases
from casedesk.cases.models import Case, CaseEvent, Kind
from casedesk.core import clock
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.inventory import actions as inventory
from casedesk.macd import changes as change_types
from casedesk.macd import links, notices
from casedesk.macd.models import Approval, OrganisationSettings, PreApprovedChange, Request
from casedesk.rules import approvals, macd
from casedesk.rules.approvals import Decision, Rule, State
from casedesk.rules.calendar import EXTENDED
from casedesk.rules.inventory import Change
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability
from casedesk.sla import config

Via = Approval.Via


@dataclass(frozen=True)
class Submission:
    by: Any  # an MPOC's User, or the Contact (e-mail)
    title: str
    changes: Sequence[Mapping[str, Any]]
    speed: str = macd.Speed.STANDARD
    urgent: bool = False
    description: str = ""
    channel: str = "portal"
    origin: Any = None
    sender_verified: bool | None = None
    # Whether raising it is the raiser's approval: yes in the portal and the API; by e-mail
    # only when the sender was verified (a forged From must not approve), else they are
    # asked by link like the others.
    counts_as_approval: bool = True


def approval_rule(organisation_id: int) -> Rule:
    row = OrganisationSettings.objects.filter(organisation_id=organisation_id).first()
    return Rule(row.approval_rule) if row else Rule.ANY


def _team(slug: str) -> Team | None:
    return Team.objects.filter(slug=slug).first() if slug else None


def submit(sub: Submission) -> Case:
    """Open a MACD request for an MPOC: the plan's intake rule decides its service level and
    team; the organisation's catalogue whether it needs approval; the MPOC raising it counts
    as that MPOC's approval, and every other MPOC is asked by e-mail with their own link."""
    if actor_for(sub.by) != Actor.CUSTOMER:
        raise Forbidden("A MACD request is raised by a main point of contact of the organisation.")
    contact = customer_contact(sub.by)
    if not permissions.can(sub.by, Ability.APPROVE_MACD):
        raise Forbidden(permissions.mpoc_refusal(contact, Ability.APPROVE_MACD))
    try:
        speed = macd.Speed(sub.speed)
    except ValueError:
        raise Refused(f"Unknown speed {sub.speed!r}: Standard or Expedited.") from None
    wanted = change_types.clean(sub.changes)
    now = clock.now()
    decided = macd.intake(now, speed, sub.urgent, config.current().calendar(EXTENDED))
    organisation = contact.organisation
    rule = approval_rule(organisation.pk)
    pre_approved = set(
        PreApprovedChange.objects.filter(organisation=organisation).values_list("change_type", flat=True)
    )
    approvers = [m for m in organisation.mpocs().filter(active=True) if m.email]
    decisions: dict[int, Decision] = {}
    if approvals.needs_approval(change_types.types_of(wanted), pre_approved):
        own = contact.pk if sub.counts_as_approval else None
        decisions = {m.pk: Decision.APPROVED if m.pk == own else Decision.PENDING for m in approvers}
        state = approvals.outcome(rule, decisions).state
    else:
        state = State.NOT_NEEDED
    team_slug = (
        settings.CASEDESK_MACD_24X7_TEAM
        if decided.team == macd.Team.TWENTY_FOUR_SEVEN
        else settings.CASEDESK_MACD_TEAM
    )
    with transaction.atomic():
        result = cases.open_cases(
            [
                cases.Opening(
                    by=sub.by,
                    title=sub.title,
                    description=sub.description,
                    channel=sub.channel,
                    kind=Kind.MACD,
                    service_level=decided.service_level,
                    approval=state.value,
                    route_team=_team(team_slug),
                    origin=sub.origin,
                    sender_verified=sub.sender_verified,
                )
            ]
        )[0]
        if isinstance(result, Refused):
            raise result
        case = result.case
        request = Request.objects.create(
            case=case,
            speed=decided.speed.value,
            urgent=sub.urgent,
            service_level=decided.service_level,
            worked_by=decided.team.value,
            intake_note=decided.note,
            changes=wanted,
            approval_rule=rule.value,
            estimated_minutes=change_types.typical_minutes(wanted),
            submitted_at=now,
        )
        asked = []
        for mpoc in approvers if decisions else []:
            row = Approval(request=request, contact=mpoc, decision=decisions[mpoc.pk])
            if mpoc.pk == contact.pk and sub.counts_as_approval:
                row.decided_at, row.via = now, Via.RAISED
            elif state == State.PENDING:
                token, row.token_hash, row.token_expires_at = links.new_token(now)
                asked.append((row, token))
            row.save()
        notices.approval_requests(case, request, asked)
    return case


def _request_for(case: Case) -> Request:
    if case.kind != Kind.MACD:
        raise NotFound(f"{case.number} is not a MACD request.")
    return Request.objects.select_for_update().get(pk=case.pk)


def decide(case: Case, *, by: Any, approve: bool, via: str, note: str = "", token: str = "") -> State:
    """An MPOC approves or declines a request of their organisation (another's answers 404).
    Refused, with why, when they decided already or it is no longer awaiting approval. With a
    `token` (the e-mailed link), the link must be theirs, unused and unexpired."""
    contact = customer_contact(by)
    if contact is None or contact.organisation_id != case.organisation_id:
        raise NotFound("No such MACD request.")
    if not permissions.can(by, Ability.APPROVE_MACD):
        raise Forbidden(permissions.mpoc_refusal(contact, Ability.APPROVE_MACD))
    note = cases.clean_text(note, "note", required=False, limit=500)
    now = clock.now()
    with transaction.atomic():
        request = _request_for(case)
        rows = {row.contact_id: row for row in request.approvals.select_for_update()}
        mine = rows.get(contact.pk)
        if token:
            if mine is None or not links.matches(mine.token_hash, token):
                raise NotFound("This link cannot be used.")
            if mine.token_used_at is not None:
                raise Refused("This approval link was used already; each link works once.")
            if mine.token_expires_at is None or mine.token_expires_at <= now:
                raise Refused("This approval link has expired; approve or decline in the portal instead.")
        if mine is None:
            # An MPOC named after the request was submitted may decide it too.
            mine = Approval(request=request, contact=contact)
        # Approval changes are made under the request's lock: the case's state is current.
        current = State(Case.objects.values_list("approval", flat=True).get(pk=case.pk) or State.NOT_NEEDED)
        try:
            approvals.check_decision(Decision(mine.decision), current)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        mine.decision = (Decision.APPROVED if approve else Decision.DECLINED).value
        mine.decided_at, mine.via, mine.note = now, via, note
        if token:
            mine.token_used_at = now
        mine.save()
        rows[contact.pk] = mine
        state = approvals.outcome(
            Rule(request.approval_rule), {k: Decision(r.decision) for k, r in rows.items()}
        ).state
        verb = "approved" if approve else "declined"
        body = f"{contact.name} {verb} the request" + (f": {note}" if note else ".")
        cases.set_approval(case, state=state.value, by=by, actor=Actor.CUSTOMER, body=body)
        if state != State.PENDING:
            Approval.objects.filter(request=request, token_used_at__isnull=True).exclude(
                token_hash=""
            ).update(
                token_expires_at=now  # the other links are of no use now
            )
    return state


def decide_by_link(token: str, *, approve: bool, note: str = "") -> tuple[Case, State]:
    """The e-mailed link's confirm page: the approver the link was made for decides."""
    row = (
        Approval.objects.select_related("contact__organisation", "request__case")
        .filter(token_hash=links.digest(token))
        .first()
    )
    if row is None or not token:
        raise NotFound("This link cannot be used.")
    case = row.request.case
    return case, decide(case, by=row.contact, approve=approve, via=Via.EMAIL, note=note, token=token)


def link_approval(token: str) -> Approval:
    """The approval an e-mailed link is for, while the link can be used (else 404/refusal)."""
    row = (
        Approval.objects.select_related("contact", "request__case__organisation")
        .filter(token_hash=links.digest(token))
        .first()
    )
    if row is None or not token or not links.matches(row.token_hash, token):
        raise NotFound("This link cannot be used.")
    if row.token_used_at is not None:
        raise Refused("This approval link was used already; each link works once.")
    if row.token_expires_at is None or row.token_expires_at <= clock.now():
        raise Refused("This approval link has expired; approve or decline in the portal instead.")
    return row


def extend(case: Case, *, by: Any, minutes: int, note: str) -> Case:
    """Staff record that a carrier or vendor needs `minutes` more business time: the
    completion target moves, the customer is told why (on the timeline and by e-mail)."""
    try:
        macd.check_extension(timedelta(minutes=minutes))
    except ValueError as exc:
        raise Refused(str(exc)) from None
    with transaction.atomic():
        request = _request_for(case)
        before, after = request.extension_minutes, request.extension_minutes + minutes
        case = cases.extend_completion(case, by=by, before=before, after=after, note=note)
        request.extension_minutes = after
        request.save(update_fields=["extension_minutes"])
    return case


def apply(case: Case, *, by: Any) -> inventory.Outcome:
    """Staff apply the request's changes to the organisation's inventory in one click (all
    or nothing, through the inventory's own action, which audits and bills each); the
    timeline says so publicly. Refused until approved, or a second time."""
    cases.require_staff(by, Ability.WORK_CASE)
    with transaction.atomic():
        locked = cases.lock(case)
        permissions.require_for_case(by, Ability.WORK_CASE, locked)
        cases.require_workable(locked)
        request = _request_for(locked)
        if request.applied_at is not None:
            raise Refused(f"The changes of {locked.number} were applied already.")
        outcome = inventory.apply_changes(
            by,
            locked.organisation,
            [Change.from_dict(c) for c in request.changes],
            source="macd",
            reference=locked.number,
        )
        request.applied_at, request.applied_by = clock.now(), by
        request.save(update_fields=["applied_at", "applied_by"])
        cases.record(
            locked,
            by,
            Actor.STAFF,
            CaseEvent.Kind.CHANGE,
            body=f"The requested changes were made in the service inventory ({outcome.count} change"
            f"{'' if outcome.count == 1 else 's'}).",
            changes={"inventory_applied": [None, outcome.count]},
        )
    return outcome
