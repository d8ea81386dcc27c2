"""Partners' people acting for the customers their partner manages: the one write path of
a person's access (a delegate contact in the customer, `rules.partners`).

Staff administrators grant and revoke; so does the partner's primary MPOC, for its own
people and its own customers. A revoked access keeps its delegate (inactive) so that every
case and comment it wrote still names who acted, for which partner.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Organisation
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.rules import partners as rules
from casedesk.rules.permissions import Ability

log = logging.getLogger(__name__)


def _may_administer(by: Any, partner: Organisation) -> bool:
    if permissions.is_staff(by):
        return permissions.can(by, Ability.ADMINISTER)
    own = permissions.own_contact(by)
    return bool(own and own.active and own.is_primary_mpoc and own.organisation_id == partner.pk)


def set_partner(by: Any, customer: Organisation, partner: Organisation | None) -> Organisation:
    """Make `partner` (None: no one) the partner that manages `customer`. The people of a
    previous partner lose their access with it (their delegates stay, inactive)."""
    if not (permissions.is_staff(by) and permissions.can(by, Ability.ADMINISTER)):
        raise Forbidden("Only administrators may change who manages a customer.")
    with transaction.atomic():
        customer = Organisation.objects.select_for_update().get(pk=customer.pk)
        if partner is not None:
            why = rules.may_manage(partner.kind, partner=partner.pk, customer=customer.pk)
            if why:
                raise Refused(why)
            if customer.kind != rules.Kind.CUSTOMER:
                kind = rules.Kind(customer.kind).label.lower()
                raise Refused(f"{customer.name} is a {kind}, not a customer.")
        if customer.partner_id != (partner.pk if partner else None):
            Contact.objects.filter(organisation=customer, delegate_of__isnull=False, active=True).update(
                active=False
            )
            customer.partner = partner
            customer.save(update_fields=["partner"])
    log.info("%s now managed by %s (by %s)", customer, partner, by)
    return customer


def grant(by: Any, person: Contact, customer: Organisation, scope: str) -> Contact:
    """Let `person` (a contact of the partner) act for `customer` in `scope`; returns the
    delegate. Granting again changes the scope (and restores a revoked access)."""
    try:
        wanted = rules.Scope(scope)
    except ValueError:
        names = ", ".join(s.label.lower() for s in rules.Scope)
        raise Refused(f"No access scope {scope!r}; the scopes are {names}.") from None
    partner = person.organisation
    if not _may_administer(by, partner):
        raise Forbidden(
            f"Only administrators or the primary MPOC of {partner.name} may give its people access."
        )
    if person.delegate_of_id is not None:
        raise Refused("A delegate cannot be given access of its own.")
    customer = Organisation.objects.get(pk=customer.pk)  # who manages it now, not when read
    if customer.partner_id != partner.pk:
        # The partner's own MPOC learns nothing of organisations it does not manage.
        if permissions.is_staff(by):
            raise Refused(f"{customer.name} is not managed by {partner.name}.")
        raise NotFound("No such customer.")
    if not person.active or person.user_id is None:
        raise Refused(f"{person.name} needs an active portal account to act for customers.")
    with transaction.atomic():
        delegates = Contact.objects.select_for_update().filter(organisation=customer)
        delegate = delegates.filter(delegate_of=person).first()
        if delegate is None:
            if person.email and delegates.filter(email__iexact=person.email).exists():
                raise Refused(
                    f"{person.email} is already a contact of {customer.name}; "
                    "a person cannot be both its contact and its partner's delegate."
                )
            delegate = Contact(
                organisation=customer,
                delegate_of=person,
                partner_scope=wanted.value,
                name=person.name,
                title=f"{partner.name} (partner)",
                email=person.email,
                phone=person.phone,
                mobile=person.mobile,
            )
            delegate.save(force_insert=True)
        else:
            delegate.partner_scope, delegate.active = wanted.value, True
            delegate.name, delegate.email = person.name, person.email
            delegate.save(update_fields=["partner_scope", "active", "name", "email"])
    log.info("%s may act for %s (%s), by %s", person, customer, wanted.value, by)
    return delegate


def revoke(by: Any, delegate: Contact) -> Contact:
    """End a person's access to a customer; the delegate stays, inactive, for the record."""
    principal = delegate.delegate_of
    if principal is None:
        raise Refused("That contact is not a partner's delegate.")
    partner = principal.organisation
    if not _may_administer(by, partner):
        raise Forbidden(
            f"Only administrators or the primary MPOC of {partner.name} may end its people's access."
        )
    with transaction.atomic():
        updated = Contact.objects.filter(pk=delegate.pk, active=True).update(active=False)
    if updated:
        delegate.active = False
        log.info("%s no longer acts for %s, by %s", principal, delegate.organisation, by)
    return delegate
