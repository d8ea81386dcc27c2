"""CPNI writes: support passcodes, caller verification, the disclosure log and the address
of record. Each locks what it changes, asks `casedesk.rules.cpni`, writes, and queues its
notices in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Organisation
from casedesk.core import clock, throttle
from casedesk.core.errors import Forbidden, NotFound, RateLimited, Refused
from casedesk.privacy import notices, selectors
from casedesk.privacy.models import AddressOfRecord, Disclosure, Passcode, Verification
from casedesk.rules import cpni
from casedesk.rules.permissions import Ability


def _known_values(contact: Contact) -> list[str]:
    org = contact.organisation
    return [org.account_number, org.name, contact.name, contact.email, contact.phone, contact.mobile]


def set_passcode(who: Any, contact_id: int, passcode: str) -> Contact:
    """Set or reset an authorised contact's support passcode (staff, or the organisation's
    primary MPOC); stored hashed; the address of record hears of it."""
    contact = selectors.contact_for_passcode(who, contact_id)
    me = permissions.customer_contact(who)
    allowed = cpni.may_set_passcode(
        staff=permissions.is_staff(who) and permissions.can(who, Ability.VIEW_CPNI),
        primary_mpoc_of_same_organisation=me is not None
        and me.is_primary_mpoc
        and me.organisation_id == contact.organisation_id,
    )
    if not allowed:
        raise Forbidden("Only the primary MPOC or support staff may set a support passcode.")
    problem = cpni.passcode_problem(passcode, known=_known_values(contact))
    if problem:
        raise Refused(problem)
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        Passcode.objects.update_or_create(
            contact=contact,
            defaults={
                "hashed": make_password(passcode),
                "set_at": clock.now(),
                "set_by": permissions.user_of(who),
            },
        )
        notices.account_change(
            contact.organisation,
            cpni.Change.PASSCODE,
            current=selectors.address_of_record(contact.organisation),
        )
    return contact


def verify_caller(
    who: Any,
    case: Any,
    *,
    contact_id: int,
    method: str,
    passcode: str = "",
    client: str = "",
    organisation: Organisation | None = None,
) -> Verification:
    """A representative marks the caller on `case` (or, on a call about no case, of
    `organisation`) verified: the passcode checked (rate limited per contact), or a
    call-back made to the number on file."""
    if not selectors.may_see_cpni(who):
        permissions.require(who, Ability.VIEW_CPNI)
    org = case.organisation if case is not None else organisation
    if org is None:
        raise Refused("Name the case or the organisation the caller is verified for.")
    try:
        how = cpni.Method(method)
    except ValueError:
        raise Refused("Choose how the caller was verified: passcode or call-back.") from None
    contact = selectors.authorised_contacts(org).filter(pk=contact_id).first()
    if contact is None:
        raise Refused(f"The caller must be an authorised contact of {org.name} (a main point of contact).")
    if how == cpni.Method.PASSCODE:
        failures = throttle.key("passcode-fail", str(contact.pk))
        if throttle.count(failures) >= cpni.PASSCODE_ATTEMPTS:
            raise RateLimited(
                "Too many wrong passcodes for this contact. Verify by calling back the number on file."
            )
        stored = Passcode.objects.filter(contact=contact).values_list("hashed", flat=True).first()
        if not stored:
            raise Refused(f"{contact.name} has no support passcode yet; call back the number on file.")
        if not check_password(passcode or "", stored):
            throttle.hit(failures, cpni.PASSCODE_WINDOW)
            raise Refused("The passcode is not right. Nothing was shown.")
        throttle.forget(failures)
    elif not (contact.phone or contact.mobile):
        raise Refused(f"{contact.name} has no number on file to call back.")
    now = clock.now()
    with transaction.atomic():
        return Verification.objects.create(
            organisation=org,
            contact=contact,
            case=case,
            by=who,
            method=how.value,
            at=now,
            expires_at=cpni.verified_until(now),
        )


def disclose(
    who: Any,
    organisation: Organisation,
    fields: list[str],
    *,
    reason: str,
    action: str = "view",
    case: Any = None,
    contact: Any = None,
) -> Disclosure:
    """Log one view or export of CPNI (who, what, why, when). Refused for staff whose role
    does not allow CPNI."""
    if not selectors.may_see_cpni(who):
        raise Forbidden(permissions.refusal(who, Ability.VIEW_CPNI))
    shown = sorted(f for f in fields if cpni.is_cpni(f))
    return Disclosure.objects.create(
        at=clock.now(),
        by=who,
        by_name=f"{who.display_name} <{who.email}>",
        organisation=organisation,
        contact=contact,
        case=case,
        action=action,
        fields=shown,
        reason=reason[:300],
    )


def reveal(who: Any, organisation: Organisation, *, case: Any = None) -> tuple[Verification | None, Any]:
    """The organisation's CPNI for the caller `who` verified in this call, each showing
    logged: (the verification, the data), or (None, None) while no verification holds.
    Pages and the API show CPNI through this only, so neither shows it unlogged."""
    verification = selectors.current_verification(who, organisation.pk)
    if verification is None or not selectors.may_see_cpni(who):
        return None, None
    data = selectors.cpni_of(organisation)
    disclose(
        who,
        organisation,
        list(data),
        reason=f"caller {verification.contact.name} verified by {cpni.Method(verification.method).label}",
        case=case,
        contact=verification.contact,
    )
    return verification, data


def set_address_of_record(who: Any, organisation_id: int, email: str, postal: str = "") -> AddressOfRecord:
    """A new address of record (staff, or the primary MPOC): the old address hears of it,
    without the new one."""
    if not selectors.reaches_organisation(who, organisation_id):
        raise NotFound("There is no such organisation.")
    me = permissions.customer_contact(who)
    if not (permissions.is_staff(who) and permissions.can(who, Ability.VIEW_CPNI)) and not (
        me is not None and me.is_primary_mpoc
    ):
        raise Forbidden("Only the primary MPOC or support staff may change the address of record.")
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise Refused("Enter a valid e-mail address for the address of record.") from None
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation_id)
        before = selectors.address_of_record(org)
        row, _ = AddressOfRecord.objects.update_or_create(
            organisation=org,
            defaults={
                "email": address,
                "postal": postal.strip(),
                "updated_at": clock.now(),
                "updated_by": permissions.user_of(who),
            },
        )
        if before.lower() != address.lower() or postal:
            notices.account_change(org, cpni.Change.ADDRESS_OF_RECORD, current=address, previous=before)
    return row


def tell_contacts_changed(organisation: Organisation) -> None:
    """A change of the organisation's authorised contacts: its address of record hears of it."""
    notices.account_change(
        organisation, cpni.Change.AUTHORISED_CONTACT, current=selectors.address_of_record(organisation)
    )


def tell_sign_in_changed(user: Any, change: cpni.Change, *, previous: str = "") -> None:
    """An online account's e-mail or password changed: the account's organisation's address
    of record hears of it (the old address too when the e-mail changed)."""
    contact = permissions.customer_contact(user)
    if contact is None:
        return
    current = selectors.address_of_record(contact.organisation)
    notices.account_change(contact.organisation, change, current=current)
    if previous and previous.strip().lower() != current.strip().lower():
        notices.account_change(contact.organisation, change, current=previous)
