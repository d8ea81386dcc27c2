"""Where a case that arrived by e-mail goes: its platform's team, and a technician of that
team on shift, taken in turn (round robin); with no one on shift it waits in triage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from casedesk.accounts.models import Contact, Organisation, Platform, Team, TeamRotation, User
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core import clock

ROUTE_NOTE = "Assigned in turn to a technician on shift."


def platforms_of(organisation_ids: Iterable[int]) -> dict[int, list[Platform]]:
    """Each organisation's active platforms (with their teams), in one query."""
    through = Organisation.platforms.through
    rows = (
        through.objects.filter(organisation_id__in=set(organisation_ids), platform__active=True)
        .select_related("platform__team")
        .order_by("platform__name")
    )
    out: dict[int, list[Platform]] = defaultdict(list)
    for row in rows:
        out[row.organisation_id].append(row.platform)
    return out


def platform_for(contact: Contact, text: str, platforms: list[Platform] | None = None) -> Platform | None:
    """The organisation's only platform, or the one the message names; else None."""
    if platforms is None:
        platforms = platforms_of([contact.organisation_id]).get(contact.organisation_id, [])
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


class Router:
    """Round robin over the technicians on shift, for one or several new cases in the
    caller's transaction: a team's rotation row is locked at its first use, so two intakes
    never pick the same turn, and written back by `save`."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._on_shift: dict[int, list[User]] = {}
        self._rotations: dict[int, TeamRotation] = {}

    def prepare(self, teams: Iterable[Team]) -> None:
        """Lock the rotations of the teams a batch may route to, all at once and in key
        order, so that two batches never wait on each other's rows in a cycle."""
        wanted = sorted({team.pk for team in teams} - set(self._rotations))
        if not wanted:
            return
        rows = TeamRotation.objects.filter(team_id__in=wanted)
        missing = set(wanted) - set(rows.values_list("team_id", flat=True))
        if missing:
            new = [TeamRotation(team_id=pk) for pk in missing]
            TeamRotation.objects.bulk_create(new, ignore_conflicts=True)
        for rotation in rows.select_for_update().order_by("team_id"):
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
        rotation = self._rotations.get(team.pk)
        if rotation is None:
            TeamRotation.objects.get_or_create(team=team)
            rotation = self._rotations[team.pk] = TeamRotation.objects.select_for_update().get(team=team)
        last = rotation.last_user_id
        later = [user for user in technicians if last is None or user.pk > last]
        chosen = later[0] if later else technicians[0]
        rotation.last_user = chosen
        return chosen

    def save(self) -> None:
        for rotation in self._rotations.values():
            rotation.save(update_fields=["last_user"])


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
