"""Where a case that arrived by e-mail goes: its platform's team, and a technician of that
team on shift, taken in turn (round robin); with no one on shift it waits in triage."""

from __future__ import annotations

from datetime import datetime

from casedesk.accounts.models import Contact, Platform, Team, TeamRotation, User
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core import clock


def platform_for(contact: Contact, text: str) -> Platform | None:
    """The organisation's only platform, or the one the message names; else None."""
    platforms = list(contact.organisation.platforms.filter(active=True).select_related("team"))
    if len(platforms) == 1:
        return platforms[0]
    low = text.lower()
    for platform in platforms:
        if platform.name.lower() in low or platform.code.lower() in low:
            return platform
    return None


def on_shift(team: Team, now: datetime) -> list[User]:
    return list(
        User.objects.filter(
            teams=team,
            is_active=True,
            is_staff=True,
            staff_role=User.StaffRole.TECHNICIAN,
            shifts__starts_at__lte=now,
            shifts__ends_at__gt=now,
        )
        .distinct()
        .order_by("id")
    )


def next_technician(team: Team, now: datetime) -> User | None:
    """The on-shift technician after the one last given a case (in the caller's
    transaction; the rotation row is locked so two intakes never pick the same turn)."""
    technicians = on_shift(team, now)
    if not technicians:
        return None
    TeamRotation.objects.get_or_create(team=team)
    rotation = TeamRotation.objects.select_for_update().get(team=team)
    last = rotation.last_user_id
    later = [user for user in technicians if last is None or user.pk > last]
    chosen = later[0] if later else technicians[0]
    rotation.last_user = chosen
    rotation.save(update_fields=["last_user"])
    return chosen


def route_new_case(case: Case) -> Case:
    """Give a new case to a technician of its team on shift; otherwise leave it in triage."""
    if case.team is None or case.assignee_id is not None:
        return case
    assignee = next_technician(case.team, clock.now())
    if assignee is None:
        return case
    return actions.route(case, assignee=assignee, note="Assigned in turn to a technician on shift.")
