"""Whose clock a time is shown on: the person's own zone, else their organisation's, else
the plan's (America/Denver unless `CASEDESK_TIME_ZONE` says otherwise)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from casedesk.accounts.permissions import customer_contact
from casedesk.core.when import plan_zone, zone_named


def of_organisation(organisation: Any) -> ZoneInfo:
    return zone_named(getattr(organisation, "time_zone", "")) or plan_zone()


def of_reader(user: Any) -> ZoneInfo:
    """A logged-in user's zone (a staff member's profile, a customer's or their
    organisation's); anyone else reads the plan's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return plan_zone()
    own = zone_named(getattr(user, "time_zone", ""))
    if own is not None:
        return own
    contact = customer_contact(user)
    return of_organisation(contact.organisation) if contact is not None else plan_zone()
