"""Turn the references a client sends (codes, slugs, emails, numbers) into objects."""

from __future__ import annotations

from typing import Any

from casedesk.accounts.models import Contact, Platform, Team, User
from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.cases import selectors
from casedesk.cases.models import Case
from casedesk.core.errors import Forbidden, NotFound, Refused


def require_staff(user: Any, what: str = "do this") -> None:
    if not is_staff(user):
        raise Forbidden(f"Only support staff may {what}.")


def platform(code: str | None) -> Platform | None:
    code = (code or "").strip()
    if not code:
        return None
    found = Platform.objects.filter(code=code).first()
    if found is None:
        raise Refused(f"Unknown platform {code!r}.")
    return found


def team(ref: str | int | None) -> Team | None:
    """A team by slug (or id); None for no team."""
    if ref is None or ref == "":
        return None
    qs = Team.objects.all()
    found = qs.filter(pk=int(ref)).first() if _is_id(ref) else qs.filter(slug=str(ref).strip()).first()
    if found is None:
        raise Refused(f"Unknown team {ref!r}.")
    return found


def staff_member(ref: str | int | None) -> User | None:
    """An active support staff member by email address (or id); None for nobody."""
    if ref is None or ref == "":
        return None
    qs = User.objects.filter(is_staff=True, is_active=True)
    found = (
        qs.filter(pk=int(ref)).first() if _is_id(ref) else qs.filter(email__iexact=str(ref).strip()).first()
    )
    if found is None:
        raise Refused(f"No active support staff member {ref!r}.")
    return found


def contact(user: Any, contact_id: int) -> Contact:
    """A contact `user` may see: any for staff, their organisation's for a customer."""
    qs = Contact.objects.select_related("organisation")
    if not is_staff(user):
        own = customer_contact(user)
        if own is None:
            raise NotFound("No such contact.")
        qs = qs.filter(organisation_id=own.organisation_id)
    found = qs.filter(pk=contact_id).first()
    if found is None:
        raise NotFound("No such contact.")
    return found


def main_case(user: Any, number: str | None) -> Case | None:
    if not number:
        return None
    try:
        return selectors.get_case(user, number)
    except NotFound:
        raise Refused(f"No case {number} to name as the main case.") from None


def _is_id(ref: str | int) -> bool:
    return isinstance(ref, int) or ref.strip().isdigit()
