"""Privacy requests (know, correct, delete): asked on a public page, proven by a single-use
expiring link to the address, answered by staff within the legal deadline
(`casedesk.rules.privacy`), the requester told the outcome.

Asking does the same work and gives the same answer for known and unknown addresses: the
request is recorded and the link sent to the typed address whoever it belongs to; only
following the link (which proves the address) matches it to contacts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact
from casedesk.cases import actions as case_actions
from casedesk.cases.models import Case, CaseEvent, Participant
from casedesk.core import clock, throttle
from casedesk.core.errors import Forbidden, NotFound, RateLimited, Refused
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.privacy import erasure
from casedesk.privacy.models import PrivacyRequest
from casedesk.rules import privacy
from casedesk.rules.permissions import Ability
from casedesk.search import index

PER_CLIENT = 10  # requests from one client address an hour
PER_ADDRESS = 3  # requests for one typed address an hour
WINDOW = 60 * 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit(*, kind: str, email: str, name: str = "", details: str = "", client: str) -> None:
    """Record a request and mail its confirmation link to the typed address."""
    try:
        what = privacy.Kind(kind)
    except ValueError:
        raise Refused("Choose what you ask: to know, correct or delete your data.") from None
    address = (email or "").strip()[:254]
    if "@" not in address or any(c.isspace() for c in address):
        raise Refused("Enter the e-mail address the request is about.")
    over = throttle.hit(throttle.key("privacy-client", client), WINDOW) > PER_CLIENT
    over = throttle.hit(throttle.key("privacy-address", address.lower()), WINDOW) > PER_ADDRESS or over
    if over:
        raise RateLimited("Too many requests. Please wait an hour and try again.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        request = PrivacyRequest.objects.create(
            kind=what.value,
            email=address,
            name=name.strip()[:200],
            details=details.strip()[:5000],
            token_digest=_digest(token),
            token_expires_at=now + timedelta(hours=privacy.LINK_HOURS),
            created_at=now,
        )
        delivery.enqueue_template(
            kind="privacy_confirm",
            to=address,
            template="privacy_confirm",
            context={
                "request": request,
                "url": f"{settings.CASEDESK_BASE_URL}/privacy/confirm/{token}/",
                "hours": privacy.LINK_HOURS,
            },
        )


def pending(token: str) -> PrivacyRequest | None:
    """The unconfirmed request of a link still valid (None otherwise); no change."""
    return (
        PrivacyRequest.objects.filter(
            token_digest=_digest(token or ""),
            state=privacy.State.UNVERIFIED.value,
            token_expires_at__gt=clock.now(),
        )
        .exclude(token_digest="")
        .first()
    )


def confirm(token: str) -> PrivacyRequest:
    """Follow the link (once, before it expires): the address is proven, the clock starts."""
    with transaction.atomic():
        request = (
            PrivacyRequest.objects.select_for_update()
            .filter(token_digest=_digest(token or ""), state=privacy.State.UNVERIFIED.value)
            .exclude(token_digest="")
            .first()
        )
        now = clock.now()
        if request is None or request.token_expires_at is None or request.token_expires_at <= now:
            raise Refused("This link has expired or was already used. Make the request again.")
        request.token_digest = ""
        request.state = privacy.State.OPEN.value
        request.received_at = now
        request.due_at = privacy.due(now)
        request.save(update_fields=["token_digest", "state", "received_at", "due_at"])
        orgs = Contact.objects.filter(email__iexact=request.email).values_list("organisation_id", flat=True)
        request.organisations.set(set(orgs))
    return request


def _require(who: Any) -> None:
    if not (permissions.is_staff(who) and permissions.can(who, Ability.PRIVACY)):
        raise Forbidden(permissions.refusal(who, Ability.PRIVACY))


def _open_locked(pk: int) -> PrivacyRequest:
    """The request, locked, if it is still to be answered; a closed one is refused (a
    second erasure or extension of an answered request would tell the requester twice)."""
    request = PrivacyRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None or request.state == privacy.State.UNVERIFIED.value:
        raise NotFound("There is no such request.")
    if request.state != privacy.State.OPEN.value:
        raise Refused(f"{request.number} is already answered ({request.state}); nothing was changed.")
    return request


def extend(who: Any, pk: int, reason: str) -> PrivacyRequest:
    _require(who)
    with transaction.atomic():
        request = _open_locked(pk)
        assert request.due_at is not None and request.received_at is not None
        problem = privacy.extension_problem(
            request.extensions, now=clock.now(), due_at=request.due_at, reason=reason
        )
        if problem:
            raise Refused(problem)
        request.extensions += 1
        request.extension_reason = reason.strip()
        request.due_at = privacy.due(request.received_at, extensions=request.extensions)
        request.save(update_fields=["extensions", "extension_reason", "due_at"])
        _tell(request, "Your request needs more time", f"We need more time: {request.extension_reason}")
    return request


def person_data(who: Any, request: PrivacyRequest) -> dict[str, Any]:
    """Everything the desk holds about the requester's address, as JSON-ready data."""
    _require(who)
    contacts = list(Contact.objects.select_related("organisation").filter(email__iexact=request.email))
    ids = [c.pk for c in contacts]
    cases = Case.objects.filter(
        Q(contact_id__in=ids) | Q(participants__address__iexact=request.email)
    ).distinct()
    return {
        "request": {"number": request.number, "kind": request.kind, "email": request.email},
        "contacts": [
            {
                "organisation": c.organisation.name,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phone": c.phone,
                "mobile": c.mobile,
                "roles": c.roles,
            }
            for c in contacts
        ],
        "cases": [
            {"number": c.number, "title": c.title, "opened_at": c.opened_at.isoformat(), "status": c.status}
            for c in cases.order_by("id")[:1000]
        ],
        "comments": [
            {"case": e.case.number, "at": e.at.isoformat(), "body": e.body}
            for e in CaseEvent.objects.select_related("case")
            .filter(contact_id__in=ids, public=True, kind="comment")
            .order_by("id")[:5000]
        ],
        "messages_sent_to_you": OutboundMessage.objects.filter(to__iexact=request.email).count(),
        "kept_by_law": [{"what": w, "why": y} for w, y in privacy.KEPT_BY_LAW],
    }


def correct(who: Any, pk: int, *, name: str = "", phone: str = "") -> int:
    """Correct the requester's contact records (name, phone); how many were changed."""
    _require(who)
    with transaction.atomic():
        request = _open_locked(pk)
        contacts = list(Contact.objects.select_for_update().filter(email__iexact=request.email))
        for contact in contacts:
            if name.strip():
                contact.name = name.strip()[:200]
            if phone.strip():
                contact.phone = phone.strip()[:40]
            contact.save()
        index.refresh(Case.objects.filter(contact__in=contacts).values_list("id", flat=True))
    return len(contacts)


def erase(who: Any, pk: int) -> int:
    """Anonymise the requester in place (with the delegates that stand for them in the
    customers their partner manages, `_people`): their contacts keep their rows (cases, invoices and
    the audit still point at them) under a placeholder name with no address or numbers;
    their portal account is closed; the e-mail archive and participants forget the address;
    the search index is written again. What the law keeps (`KEPT_BY_LAW`) stays."""
    _require(who)
    with transaction.atomic():
        request = _open_locked(pk)
        address = request.email
        contacts = _people(address)
        addresses = sorted({address.lower()} | {c.email.lower() for c in contacts if c.email})
        for contact in contacts:
            placeholder = f"erased-{contact.pk}@erased.invalid"
            contact.name = f"Erased person {contact.pk}"
            contact.title = ""
            contact.email = placeholder
            contact.phone = contact.mobile = ""
            contact.active = False
            contact.save()
            if contact.user_id:
                user = contact.user
                assert user is not None
                user.email = placeholder
                user.username = f"erased-{contact.pk}"
                user.first_name = user.last_name = ""
                user.is_active = False
                user.set_unusable_password()
                user.save()
        ids = [c.pk for c in contacts]
        _forget_who_acted([c for c in contacts if c.delegate_of_id is not None])
        for each in addresses:
            Participant.objects.filter(address__iexact=each).update(address="erased@erased.invalid")
            OutboundMessage.objects.filter(to__iexact=each).update(to="erased@erased.invalid")
            erasure.run_all(each, ids)
        case_ids = set(Case.objects.filter(contact__in=contacts).values_list("id", flat=True))
        index.refresh(case_ids)
    return len(contacts)


def _people(address: str) -> list[Contact]:
    """The contacts an erasure of `address` anonymises, locked: those with the address, and
    the delegates of any of them (the copies of a partner's person in each customer it acts
    for, which may carry an older name or address). A delegate matched by its address is
    erased alone: the person's presence in that customer, not their partner's record."""
    found = list(Contact.objects.select_for_update().filter(email__iexact=address).order_by("pk"))
    principals = [c.pk for c in found if c.delegate_of_id is None]
    if principals:
        seen = {c.pk for c in found}
        found += [
            d
            for d in Contact.objects.select_for_update().filter(delegate_of_id__in=principals).order_by("pk")
            if d.pk not in seen
        ]
    return found


def _forget_who_acted(delegates: list[Contact]) -> None:
    """What a delegate wrote also names the partner's user who wrote it; the delegate,
    anonymised, stays as who acted there, so that a customer's cases no longer name the
    person even while their partner's own record is kept (a delegate erased alone)."""
    if not delegates:
        return
    users = set(
        Contact.objects.filter(pk__in={d.delegate_of_id for d in delegates})
        .filter(user_id__isnull=False)
        .values_list("user_id", flat=True)
    )
    ids = [d.pk for d in delegates]
    case_actions.forget_acting_users(ids, sorted(users))


def close(who: Any, pk: int, outcome: str, *, refused: bool = False) -> PrivacyRequest:
    """Answer the request: the requester is told the outcome (to the address they proved;
    after an erasure it is the last message that address gets)."""
    _require(who)
    if not (outcome or "").strip():
        raise Refused("Say what was done; the requester is told.")
    with transaction.atomic():
        request = _open_locked(pk)
        request.state = (privacy.State.REFUSED if refused else privacy.State.DONE).value
        request.outcome = outcome.strip()
        request.closed_at = clock.now()
        request.handled_by = who
        request.save(update_fields=["state", "outcome", "closed_at", "handled_by"])
        _tell(request, "Your privacy request is answered", request.outcome)
    return request


def _tell(request: PrivacyRequest, subject: str, text: str) -> None:
    delivery.enqueue(
        kind="privacy_outcome",
        to=request.email,
        subject=f"{request.number}: {subject}",
        text=f"{text}\n\nRequest {request.number} ({privacy.Kind(request.kind).label}).\n",
    )
