"""Adding a customer contact outside the admin: staff accepting an e-mail from an unknown
sender make them a contact of the organisation they choose (in the caller's transaction,
so an acceptance refused later leaves no contact behind)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Organisation
from casedesk.core import mailboxes
from casedesk.core.errors import Forbidden, Refused
from casedesk.rules.permissions import Ability

log = logging.getLogger(__name__)
NAME_MAX = 200


@dataclass(frozen=True)
class NewContact:
    """What staff type for a new contact; checked by `add_contact`."""

    organisation_id: int | None
    name: str
    email: str
    phone: str = ""
    secondary_mpoc: bool = False


def add_contact(by: Any, new: NewContact) -> Contact:
    """A new active contact; Refused (nothing written) if an input is wrong or the address
    is already a contact of that organisation."""
    if not (permissions.is_staff(by) and permissions.can(by, Ability.ROUTE)):
        raise Forbidden("Only support staff who route cases may add contacts.")
    name, email = " ".join(new.name.split()), new.email.strip()
    if not name:
        raise Refused("Give the new contact's name.")
    if len(name) > NAME_MAX:
        raise Refused(f"The name is longer than {NAME_MAX} characters.")
    try:
        validate_email(email)
    except ValidationError:
        raise Refused(f"{email or 'The address'} is not an e-mail address.") from None
    if mailboxes.is_ours(email):
        raise Refused(f"{email} is one of the desk's own addresses, not a customer's.")
    org = (
        Organisation.objects.filter(pk=new.organisation_id, active=True).first()
        if new.organisation_id
        else None
    )
    if org is None:
        raise Refused("Choose the organisation the new contact belongs to.")
    with transaction.atomic():
        if Contact.objects.filter(organisation=org, email__iexact=email).exists():
            raise Refused(f"{email} is already a contact of {org.name}; choose them instead.")
        contact = Contact(
            organisation=org,
            name=name,
            email=email,
            phone=new.phone.strip()[:40],
            is_secondary_mpoc=new.secondary_mpoc,
        )
        contact.save(force_insert=True)
    log.info("contact %s <%s> added to %s by %s", contact.pk, email, org.name, by)
    return contact
