"""Where a case that arrived by e-mail goes: its platform's team, and a technician of that
team on shift, taken in turn (round robin); with no one on shift it waits in triage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from casedesk.accounts.models import Contact, Organisation, Platform, Team, TeamRotation, User
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.core.prepared import Prepared

ROUTE_NOTE = "Assigned in turn to a technician on shift."


# Built once per process (`core.prepared`): every new message asks them.
_PLATFORMS: Prepared[Any] = Prepared(
    lambda organisations: (
        Organisation.platforms.through.objects.filter(
            organisation_id__in=organisations, platform__active=True
        )
        .select_related("platform__team")
        .order_by("platform__name")
    ),
    warm=[[0]],
)
_ON_SHIFT: Prepared[User] = Prepared(
    lambda team, now: (
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
    ),
    warm=[0, datetime(2000, 1, 1, tzinfo=UTC)],
)
_ROTATIONS: Prepared[TeamRotation] = Prepared(
    lambda teams: TeamRotation.objects.filter(team_id__in=teams).select_for_update().order_by("team_id"),
    warm=[[0]],
)


def platforms_of(organisation_ids: Iterable[int]) -> dict[int, list[Platform]]:
    """Each organisation's active platforms (with their teams), in one query."""
    out: dict[int, list[Platform]] = defaultdict(list)
    for row in _PLATFORMS(sorted(set(organisation_ids))):
        out[row.organisation_id].append(row.platform)
    return out


def platform_for(contact: Contact, text: str, platforms: list[Platform]) -> Platform | None:
    """Among the organisation's platforms (`platforms_of`), its only one, or the one the
    message names; else None."""
    if len(platforms) == 1:
        return platforms[0]
    low = text.lower()
    for platform in platforms:
        if platform.name.lower() in low or platform.code.lower() in low:
            return platform
    return None


def on_shift(team: Team, now: datetime) -> list[User]:
    return _ON_SHIFT(team.pk, now)


class Router:
    """Round robin over the technicians on shift, for one or several new cases in the
    caller's transaction: a team's rotation row is locked at its first use, so two intakes
    never pick the same turn, and written back by `save`."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._on_shift: dict[int, list[User]] = {}
        self._rotations: dict[int, TeamRotation] = {}
        self._turned: set[int] = set()  # the teams whose turn moved on

    def prepare(self, teams: Iterable[Team]) -> None:
        """Lock the rotations of the teams a batch may route to, all at once and in key
        order, so that two batches never wait on each other's rows in a cycle."""
        wanted = sorted({team.pk for team in teams} - set(self._rotations))
        if not wanted:
            return
        self._lock(wanted)
        # A team's row is made the first time it is routed to (then locked like the rest).
        missing = [pk for pk in wanted if pk not in self._rotations]
        if missing:
            new = [TeamRotation(team_id=pk) for pk in missing]
            TeamRotation.objects.bulk_create(new, ignore_conflicts=True)
            self._lock(missing)

    def _lock(self, team_ids: list[int]) -> None:
        for rotation in _ROTATIONS(team_ids):
            self._rotations[rotation.team_id] = rotation

    def next(self, team: Team | None) -> User | None:
        """The on-shift technician after the one last given a case; None: none on shift."""
        if team is None:
            return None
        if team.pk not in self._on_shift:
            self._on_shift[team.pk] = on_shift(team, self.now)
        technicians = self._on_shift[team.pk]
        if not technicians:
            return None
        if team.pk not in self._rotations:
            self.prepare([team])
        rotation = self._rotations[team.pk]
        last = rotation.last_user_id
        later = [user for user in technicians if last is None or user.pk > last]
        chosen = later[0] if later else technicians[0]
        rotation.last_user = chosen
        self._turned.add(team.pk)
        return chosen

    def save(self) -> None:
        for pk in sorted(self._turned):
            self._rotations[pk].save(update_fields=["last_user"])


def next_technician(team: Team, now: datetime) -> User | None:
    router = Router(now)
    chosen = router.next(team)
    router.save()
    return chosen


def route_new_case(case: Case) -> Case:
    """Give a new case to a technician of its team on shift; otherwise leave it in triage."""
    if case.team is None or case.assignee_id is not None:
        return case
    assignee = next_technician(case.team, clock.now())
    if assignee is None:
        return case
    return actions.route(case, assignee=assignee, note=ROUTE_NOTE)
