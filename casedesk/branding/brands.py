"""Which brand someone sees: the brand of the rebiller that manages the customer they are a
contact of (or act for); none for the provider's own customers, nor for a partner's (a
partner keeps the provider's name). Reads only; a brand is written in the admin."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from casedesk.accounts import permissions
from casedesk.branding.models import Brand
from casedesk.core.errors import NotFound
from casedesk.rules import branding as rules
from casedesk.rules import partners


def of_organisation(organisation: Any) -> Brand | None:
    """The brand `organisation`'s customers see: its rebiller's; no query for a customer
    nobody manages."""
    if organisation is None or organisation.partner_id is None:
        return None
    return (
        Brand.objects.filter(
            organisation_id=organisation.partner_id, organisation__kind=partners.Kind.REBILLER.value
        )
        .select_related("organisation")
        .first()
    )


def of_viewer(user: Any) -> Brand | None:
    """The brand of the customer the user is a contact of, or acts for in this request."""
    contact = permissions.customer_contact(user)
    if contact is None:
        return None
    key = ("_casedesk_brand", contact.organisation_id)
    cached = getattr(user, "_casedesk_brand", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    brand = of_organisation(contact.organisation)
    user._casedesk_brand = (key, brand)  # asked by the page and its context: once a request
    return brand


def visible(user: Any, pk: int) -> Brand:
    """A brand's logo and colours, for those who see it: staff, the rebiller's own people,
    its customers' contacts and its people acting for them. Anyone else: NotFound."""
    brand = Brand.objects.filter(pk=pk).first()
    if brand is None:
        raise NotFound("No such brand.")
    if permissions.is_staff(user):
        return brand
    for contact in (permissions.customer_contact(user), permissions.own_contact(user)):
        if contact is not None and brand.organisation_id in (
            contact.organisation_id,
            contact.organisation.partner_id,
        ):
            return brand
    raise NotFound("No such brand.")


@dataclass(frozen=True)
class MailBrand:
    """What a notice to a rebiller's customer carries of the brand."""

    name: str
    support_email: str
    support_phone: str
    support_url: str


# Notices are rendered one by one, often hundreds for one cause (a master case): the brand
# of each organisation is remembered for a minute per process, and forgotten on any change
# of a brand or an organisation made in this process.
MEMO_SECONDS = 60.0
_MEMO: dict[int, tuple[float, MailBrand | None]] = {}


def forget(*_: Any, **__: Any) -> None:
    _MEMO.clear()


def for_mail(organisation: Any) -> MailBrand | None:
    """The brand a notice to the organisation's people carries, or None. `organisation`:
    the organisation, or its id; given loaded, one nobody manages costs no query."""
    if organisation is None:
        return None
    if isinstance(organisation, int):
        org_id, partner_id = organisation, None
    else:
        org_id, partner_id = organisation.pk, organisation.partner_id
        if partner_id is None:
            return None
    seen = _MEMO.get(org_id)
    if seen is not None and time.monotonic() - seen[0] <= MEMO_SECONDS:
        return seen[1]
    rows = Brand.objects.filter(organisation__kind=partners.Kind.REBILLER.value)
    rows = (
        rows.filter(organisation_id=partner_id)
        if partner_id
        else rows.filter(organisation__customers__pk=org_id)
    )
    row = rows.values_list("name", "support_email", "support_phone", "support_url").first()
    found = None
    if row is not None:
        try:
            # Checked again: the From header is built from the name.
            found = MailBrand(rules.name(row[0]), row[1], rules.phone(row[2]), rules.web_address(row[3]))
        except rules.BadBrand:
            found = None
    _MEMO[org_id] = (time.monotonic(), found)
    return found
