"""Objects -> response schemas. Reads only what the selectors already loaded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from casedesk.accounts.models import Contact, Organisation, User
from casedesk.accounts.permissions import actor_for, is_staff
from casedesk.api import schemas as s
from casedesk.cases import selectors
from casedesk.cases.actions import Opened
from casedesk.cases.models import Attachment, Case, CaseEvent, number_for
from casedesk.rules import lifecycle


def person(user: User | None) -> s.PersonRef | None:
    return None if user is None else s.PersonRef(id=user.pk, name=user.display_name)


def case_summary(case: Case, staff: bool) -> s.CaseSummary:
    return s.CaseSummary(**_summary_fields(case, staff))


def _summary_fields(case: Case, staff: bool) -> dict[str, Any]:
    platform, team = case.platform, case.team
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": case.status_label,
        "is_open": case.is_open,
        "priority": case.priority,
        "priority_label": case.get_priority_display(),
        "channel": case.channel,
        "organisation": s.OrganisationRef(id=case.organisation.pk, name=case.organisation.name),
        "contact": s.ContactRef(id=case.contact.pk, name=case.contact.name),
        "platform": s.PlatformRef(code=platform.code, name=platform.name) if platform else None,
        "team": s.TeamRef(slug=team.slug, name=team.name) if team else None,
        "assignee": person(case.assignee),
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "internal": s.CaseInternal(
            needs_triage=case.needs_triage,
            vendor=case.vendor,
            vendor_ticket=case.vendor_ticket,
            next_due_at=case.next_due_at,
        )
        if staff
        else None,
    }


def attachment(item: Attachment) -> s.AttachmentOut:
    return s.AttachmentOut(
        id=item.pk,
        name=item.name,
        size=item.size,
        content_type=item.content_type,
        public=item.public,
        created_at=item.created_at,
    )


def event(item: CaseEvent, staff: bool = True, files: Sequence[Attachment] | None = None) -> s.EventOut:
    """`files`: the entry's attachments when the caller has them (else read through the
    entry, prefetched by the selectors)."""
    shown: Iterable[Attachment] = item.attachments.all() if files is None else files
    return s.EventOut(
        id=item.pk,
        at=item.at,
        kind=item.kind,
        kind_label=item.get_kind_display(),
        public=item.public,
        actor=person(item.actor),
        actor_kind=item.actor_kind,
        author=item.author_name,
        body=item.body,
        changes=item.changes,
        attachments=[attachment(a) for a in shown if staff or a.public],
    )


def case_detail(case: Case, user: Any, cpni: s.CpniPanel | None = None) -> s.CaseDetail:
    """The case as `user` may see it: customers get the public timeline only."""
    staff = is_staff(user)
    timeline = [event(item, staff) for item in selectors.timeline(case, user)]
    return _detail(case, user, staff, timeline, cpni)


def opened_detail(opened: Opened, user: Any) -> s.CaseDetail:
    """A case just opened, as `case_detail` shows it, from the rows the action wrote (the
    case with its organisation, contact and the rest it was given; its timeline and
    attachments): nothing is read back."""
    staff = is_staff(user)
    files: dict[int | None, list[Attachment]] = {}
    for item in sorted(opened.attachments, key=lambda a: a.pk):
        files.setdefault(item.event_id, []).append(item)
    timeline = [
        event(item, staff, files.get(item.pk, [])) for item in opened.timeline if staff or item.public
    ]
    return _detail(opened.case, user, staff, timeline, None)


def _detail(
    case: Case, user: Any, staff: bool, timeline: list[s.EventOut], cpni: s.CpniPanel | None
) -> s.CaseDetail:
    return s.CaseDetail(
        **_summary_fields(case, staff),
        description=case.description,
        resolution=case.resolution,
        on_hold_until=case.on_hold_until,
        etr=case.etr,
        shipping_carrier=case.shipping_carrier,
        tracking_number=case.tracking_number,
        duplicate_of=number_for(case.duplicate_of_id) if case.duplicate_of_id else None,
        follow_up_of=number_for(case.follow_up_of_id) if case.follow_up_of_id else None,
        allowed_transitions=[t.value for t in lifecycle.allowed_targets(case.status_enum, actor_for(user))],
        timeline=timeline,
        attachments=[a for item in timeline for a in item.attachments],
        cpni=cpni,
    )


def organisation(org: Organisation) -> s.OrganisationOut:
    return s.OrganisationOut(
        id=org.pk,
        name=org.name,
        account_number=org.account_number,
        active=org.active,
        created_at=org.created_at,
    )


def organisation_detail(org: Organisation) -> s.OrganisationDetail:
    return s.OrganisationDetail(
        **organisation(org).model_dump(),
        platforms=[s.PlatformRef(code=p.code, name=p.name) for p in org.platforms.all()],
        mpocs=[contact(c, org) for c in org.mpocs()],
        escalation_contacts=[
            s.EscalationContactOut(
                position=e.position, name=e.name, title=e.title, phone=e.phone, email=e.email
            )
            for e in org.escalation_contacts.all()
        ],
    )


def contact(item: Contact, org: Organisation | None = None) -> s.ContactOut:
    org = org or item.organisation
    return s.ContactOut(
        id=item.pk,
        organisation=s.OrganisationRef(id=org.pk, name=org.name),
        name=item.name,
        title=item.title,
        email=item.email,
        phone=item.phone,
        mobile=item.mobile,
        roles=item.roles,
        is_mpoc=item.is_mpoc,
        has_portal_account=item.user_id is not None,
        active=item.active,
    )
