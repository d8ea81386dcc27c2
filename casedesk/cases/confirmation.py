"""The "Yes, it is fixed" link of a resolution notice: the customer confirms without logging in
or replying.

The token is signed and names the case, the contact it was sent to and the timeline entry
that resolved the case. It works only while that entry is still the case's latest status
move (so once: confirming closes the case, and reopening or resolving again spends it) and
for `MAX_AGE`; the contact must still be one who may confirm a resolution. Anything else
is simply unusable, and the page answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact
from casedesk.cases.models import Case, CaseEvent
from casedesk.core.errors import NotFound
from casedesk.rules.lifecycle import Status
from casedesk.rules.permissions import Ability

SALT = "casedesk.cases.confirm-resolution"
MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Link:
    case: Case
    contact: Contact
    resolved_by: int  # the timeline entry that resolved the case


def may_confirm(contact: Contact | None) -> bool:
    return contact is not None and contact.active and permissions.can(contact, Ability.CONFIRM_RESOLUTION)


def url_for(case: Case, contact: Contact, resolved_by: CaseEvent) -> str:
    token = signing.dumps([case.pk, contact.pk, resolved_by.pk], salt=SALT, compress=True)
    return settings.CASEDESK_BASE_URL + reverse("confirm_resolution", kwargs={"token": token})


def resolution_entry(case: Case) -> int | None:
    """The timeline entry that put the case where it is, if that is Resolved Follow-up
    Required; None otherwise."""
    if case.status != Status.RESOLVED.value:
        return None
    latest = (
        case.events.filter(kind=CaseEvent.Kind.STATUS).order_by("-at", "-id").values_list("pk", flat=True)
    )
    return latest.first()


def read(token: str) -> Link:
    """The link's case and contact, if it is usable now; otherwise NotFound."""
    try:
        case_pk, contact_pk, event_pk = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFound("This link cannot be used.") from None
    case = Case.objects.select_related("organisation").filter(pk=case_pk).first()
    contact = Contact.objects.select_related("organisation").filter(pk=contact_pk).first()
    if (
        case is None
        or contact is None
        or contact.organisation_id != case.organisation_id
        or not may_confirm(contact)
        or resolution_entry(case) != event_pk
    ):
        raise NotFound("This link cannot be used.")
    return Link(case, contact, event_pk)
