"""Reads of CPNI and privacy records, scoped by who asks: another organisation's passcode,
log entry or request answers NotFound, staff without the role's permission see no CPNI.

The access checks are here and in `casedesk.rules.permissions` only, so that a further role
(a partner managing several organisations) is one more case of `reaches_organisation`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Organisation
from casedesk.core import clock
from casedesk.core.errors import NotFound
from casedesk.core.prepared import Prepared
from casedesk.privacy.models import AddressOfRecord, Disclosure, Passcode, PrivacyRequest, Verification
from casedesk.rules import cpni
from casedesk.rules.permissions import Ability


def reaches_organisation(who: Any, organisation_id: int) -> bool:
    """Whether `who` may act on this organisation's CPNI records at all: staff any, a
    customer only their own."""
    if permissions.is_staff(who):
        return True
    contact = permissions.customer_contact(who)
    return contact is not None and contact.organisation_id == organisation_id


def may_see_cpni(who: Any) -> bool:
    return permissions.is_staff(who) and permissions.can(who, Ability.VIEW_CPNI)


def authorised_contacts(organisation: Organisation) -> QuerySet[Contact]:
    """Who may be told CPNI on a call: the organisation's active main points of contact."""
    return organisation.mpocs().filter(active=True)


def contact_for_passcode(who: Any, contact_id: int) -> Contact:
    """An authorised contact whose passcode `who` may set: NotFound for another
    organisation's (and for anyone who is not an authorised contact)."""
    contact = (
        Contact.objects.select_related("organisation")
        .filter(pk=contact_id, active=True)
        .filter(Q(is_primary_mpoc=True) | Q(is_secondary_mpoc=True))
        .first()
    )
    if contact is None or not reaches_organisation(who, contact.organisation_id):
        raise NotFound("There is no such authorised contact.")
    return contact


def has_passcode(contact_ids: list[int]) -> set[int]:
    return set(Passcode.objects.filter(contact_id__in=contact_ids).values_list("contact_id", flat=True))


def address_of_record(organisation: Organisation) -> str:
    """The address account notices and CPNI go to: the one on record, else the primary
    MPOC's e-mail."""
    row = AddressOfRecord.objects.filter(organisation=organisation).values_list("email", flat=True).first()
    if row:
        return row
    primary = organisation.contacts.filter(is_primary_mpoc=True, active=True).values_list("email", flat=True)
    return primary.first() or ""


def addresses_on_file(organisation: Organisation) -> list[str]:
    """Where CPNI may be sent: the address of record and the authorised contacts' e-mails."""
    found = [address_of_record(organisation)]
    found += list(authorised_contacts(organisation).values_list("email", flat=True))
    return [a for a in dict.fromkeys(found) if a]


def current_verification(who: Any, organisation_id: int, now: datetime | None = None) -> Verification | None:
    """The caller verification this representative made for the organisation in this call."""
    if not permissions.is_staff(who):
        return None
    found = _CURRENT_VERIFICATION(who.pk, organisation_id, now or clock.now())
    return found[0] if found else None


# Every console case page asks: its statement is built once per process (`core.prepared`).
_CURRENT_VERIFICATION: Prepared[Verification] = Prepared(
    lambda user_id, organisation_id, now: (
        Verification.objects.select_related("contact")
        .filter(by_id=user_id, organisation_id=organisation_id, expires_at__gt=now)
        .order_by("-at")[:1]
    )
)


def cpni_of(organisation: Organisation) -> dict[str, Any]:
    """The organisation's CPNI as the case page shows it (no log: `actions.disclose` does)."""
    from casedesk.inventory.models import Item

    items = list(
        Item.objects.filter(organisation=organisation)
        .order_by("kind", "key")
        .only("kind", "key", "name", "number", "service_address", "model", "product", "monthly_price")[:200]
    )
    numbers = [i for i in items if i.number]
    addresses = sorted({i.service_address for i in items if i.service_address})
    return {
        cpni.Field.NUMBERS.value: numbers,
        cpni.Field.SERVICE_ADDRESSES.value: addresses,
        cpni.Field.INVENTORY.value: [i for i in items if not i.number],
        cpni.Field.CALL_DETAIL.value: [],  # no call detail records are kept yet
        cpni.Field.INVOICES.value: [],  # invoices come with billing
    }


# -- the disclosure log ------------------------------------------------------------------


def disclosures(
    who: Any,
    *,
    q: str = "",
    organisation_id: int | None = None,
    by_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Disclosure]:
    """The log, newest first, for staff whose role may see it; NotFound for anyone else."""
    if not (permissions.is_staff(who) and permissions.can(who, Ability.PRIVACY)):
        raise NotFound("There is no such page.")
    qs = Disclosure.objects.select_related("organisation", "case")
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if by_id:
        qs = qs.filter(by_id=by_id)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if q:
        qs = qs.filter(Q(by_name__icontains=q) | Q(reason__icontains=q) | Q(organisation__name__icontains=q))
    return qs.order_by("-at", "-id")


# -- privacy requests ----------------------------------------------------------------------


def privacy_requests(who: Any, *, state: str = "") -> QuerySet[PrivacyRequest]:
    if not (permissions.is_staff(who) and permissions.can(who, Ability.PRIVACY)):
        raise NotFound("There is no such page.")
    qs = PrivacyRequest.objects.exclude(state="unverified")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("due_at", "id")


def privacy_request(who: Any, pk: int) -> PrivacyRequest:
    request = privacy_requests(who).filter(pk=pk).first()
    if request is None:
        raise NotFound("There is no such request.")
    return request
