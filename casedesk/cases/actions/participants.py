"""Who else hears about a case: its participants (copied, Cc), besides its contact.

Support staff copy a contact of the case's organisation or any e-mail address. A main point
of contact copies colleagues in the portal; an address from outside the organisation only
staff add: typed into a form it would be a new disclosure of the case, so it is made where
support sees it. A message the desk takes copies the people it also went to (`add_copied`):
they have read it already. Who may be copied is `rules.participants`; each addition and
removal is an entry on the timeline with raw values (a contact's key, or the address).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from casedesk.accounts.models import Contact, User
from casedesk.accounts.permissions import actor_for, customer_contact, user_of
from casedesk.cases import clocks, notices
from casedesk.cases.actions import base
from casedesk.cases.actions.base import Who
from casedesk.cases.models import Case, CaseEvent, Participant
from casedesk.core import bulk, clock, mailboxes
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.outbox import threading
from casedesk.rules import participants as rules
from casedesk.rules.lifecycle import Actor
from casedesk.rules.permissions import Ability


def add_participants(
    case: Case, *, by: Who, contacts: Sequence[Contact] = (), addresses: Sequence[str] = ()
) -> list[Participant]:
    """Copy people on the case (console, portal); refused as a whole, saying why, if any of
    them may not be. Returns the participants added."""
    actor = _may_manage(case, by)
    if actor == Actor.CUSTOMER and addresses:
        raise Forbidden(
            "Only support staff copy an address from outside the organisation: choose a colleague, "
            "or ask support to add it."
        )
    typed = [_address(a) for a in addresses]
    if "" in typed:
        raise Refused(f"{addresses[typed.index('')]!r} is not an e-mail address.")
    if not contacts and not typed:
        raise Refused("Choose a contact or enter an e-mail address to copy.")
    source = Participant.Source.PORTAL if actor == Actor.CUSTOMER else Participant.Source.CONSOLE
    with transaction.atomic():
        case = base.lock(case)
        wanted, refusals = _sort(case, contacts, typed)
        if refusals:
            raise Refused(" ".join(refusals))
        return _add(case, by, actor, wanted, source)


def add_copied(case: Case, *, by: Who, sender: str, addresses: Sequence[str]) -> list[Participant]:
    """Copy the people a message the case took also went to (intake found its sender may
    write on the case; `by` is whose the message is there). Those who may not be copied,
    and any past the limit, are left out."""
    typed = [a for a in map(_address, addresses) if a and a != sender.lower()]
    if not typed:
        return []
    with transaction.atomic():
        case = base.lock(case)
        wanted, _ = _sort(case, (), typed)
        body = f"Copied on an e-mail from {sender}."
        return _add(case, by, Actor.CUSTOMER, wanted, Participant.Source.EMAIL, body) if wanted else []


def remove_participant(case: Case, participant_id: int, *, by: Who) -> Participant:
    """Stop copying someone: they hear no more, and their address is off the case's thread,
    so that a colleague no longer sees the case for having been mailed about it."""
    actor = _may_manage(case, by)
    with transaction.atomic():
        case = base.lock(case)
        row = Participant.objects.select_related("contact").filter(case=case, pk=participant_id).first()
        if row is None:
            raise NotFound("No such participant on this case.")
        raw = row.contact_id if row.contact_id is not None else row.address
        row.delete()
        threading.leave_thread(case, row.email)
        base.record(case, by, actor, CaseEvent.Kind.CHANGE, changes={"participant": [raw, None]})
    return row


def _may_manage(case: Case, by: Who) -> Actor:
    """Staff who may write to customers; a main point of contact on a case they see."""
    actor = actor_for(by)
    if actor == Actor.CUSTOMER:
        base.require_ability(case, by, Ability.MANAGE_PARTICIPANTS)
    else:
        base.require_staff(by, Ability.COMMENT)
    return actor


def _address(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _candidate(contact: Contact, case: Case) -> rules.Candidate:
    colleague = contact.organisation_id == case.organisation_id and contact.active
    return rules.Candidate(contact.email.lower(), contact.pk, contact.name, colleague)


def _sort(
    case: Case, contacts: Sequence[Contact], addresses: list[str]
) -> tuple[list[rules.Candidate], list[str]]:
    """`rules.participants.sort` with what it needs of the locked case; an address of an
    active colleague of the organisation is that colleague."""
    copied = list(Participant.objects.filter(case=case).values_list("contact_id", "address"))
    staff: set[str] = set()
    colleagues: dict[str, Contact] = {}
    if addresses:
        users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=addresses)
        staff = set(users.filter(is_staff=True).values_list("email_lower", flat=True))
        found = Contact.objects.alias(email_lower=Lower("email")).filter(
            email_lower__in=addresses, organisation_id=case.organisation_id, active=True
        )
        colleagues = {c.email.lower(): c for c in found.order_by("-id")}
    candidates = [_candidate(c, case) for c in contacts] + [
        _candidate(colleagues[a], case) if a in colleagues else rules.Candidate(a) for a in addresses
    ]
    state = rules.Copied(
        number=case.number,
        organisation=case.organisation.name,
        contact=case.contact_id,
        contact_address=(case.contact.email or "").lower(),
        contacts=[c for c, _ in copied if c is not None],
        addresses=[a for _, a in copied if a],
    )
    return rules.sort(state, candidates, ours=mailboxes.is_ours, staff=staff)


def _add(
    case: Case, by: Who, actor: Actor, wanted: list[rules.Candidate], source: str, body: str = ""
) -> list[Participant]:
    now = clock.now()
    rows = [
        Participant(
            case=case,
            contact_id=c.contact,
            address="" if c.contact is not None else c.address,
            source=source,
            added_by=user_of(by),
            added_by_contact=customer_contact(by) if actor == Actor.CUSTOMER else None,
            added_at=now,
        )
        for c in wanted
    ]
    bulk.insert(rows)
    change = CaseEvent.Kind.CHANGE
    events = [
        base.event(case, by, actor, change, body=body, changes={"participant": [None, c.raw]}, at=now)
        for c in wanted
    ]
    bulk.insert(events)
    clocks.refresh(case, now)
    notices.case_events([(entry, None) for entry in events])  # none today; the rule is notices'
    return rows
