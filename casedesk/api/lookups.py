"""Turn the references a client sends (codes, slugs, emails, numbers) into objects."""

from __future__ import annotations

from typing import Any

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Contact, Platform, Team, User
from casedesk.accounts.permissions import is_staff
from casedesk.cases import selectors
from casedesk.cases.models import Case
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.rules.permissions import Ability


def require_staff(user: Any, what: str = "do this") -> None:
    if not is_staff(user):
        raise Forbidden(f"Only support staff may {what}.")


def platform(code: str | None) -> Platform | None:
    code = (code or "").strip()
    if not code:
        return None
    found = accounts.platform_by_code(code)
    if found is None:
        raise Refused(f"Unknown platform {code!r}.")
    return found


def team(ref: str | int | None) -> Team | None:
    """A team by slug (or id); None for no team."""
    if ref is None or ref == "":
        return None
    found = accounts.team_by_ref(ref)
    if found is None:
        raise Refused(f"Unknown team {ref!r}.")
    return found


def staff_member(ref: str | int | None) -> User | None:
    """An active support staff member by email address (or id); None for nobody."""
    if ref is None or ref == "":
        return None
    found = accounts.staff_by_ref(ref)
    if found is None:
        raise Refused(f"No active support staff member {ref!r}.")
    return found


def contact(user: Any, contact_id: int) -> Contact:
    """A contact `user` may see: any for staff, their organisation's for a customer."""
    return accounts.get_contact(user, contact_id)


def main_case(user: Any, number: str | None) -> Case | None:
    if not number:
        return None
    try:
        return selectors.get_case(user, number)
    except NotFound:
        raise Refused(f"No case {number} to name as the main case.") from None


def require_customer_named(user: Any, ability: Ability) -> None:
    """A partner's program acting for no one customer, asking what only a customer's
    access allows: told to name the customer, rather than refused as its own contact."""
    if is_staff(user) or permissions.acting_for(user) is not None or permissions.can(user, ability):
        return
    granted = permissions.reachable_organisations(user, ability)
    if granted:
        numbers = ", ".join(
            org.account_number for org, _ in permissions.granted_customers(user) if org.pk in granted
        )
        raise Refused(
            f"Say which customer this is for: send the header X-Casedesk-Customer with its account "
            f"number ({numbers})."
        )
