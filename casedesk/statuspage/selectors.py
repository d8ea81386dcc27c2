"""The reads only the public pages make: each platform's current impact and its last 90
days, the overall state, the incident archive, the maintenance calendar's windows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from casedesk.accounts.models import Platform
from casedesk.core.errors import NotFound
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status import selectors
from casedesk.status.models import (
    IMPACT_RANK,
    Impact,
    Incident,
    IncidentState,
    MaintenanceOccurrence,
    MaintenanceWindow,
    OccurrenceState,
    PlatformImpact,
    worst,
)

HISTORY_DAYS = 90


def active_incidents() -> list[Incident]:
    active = selectors.incidents_with_detail().exclude(state=IncidentState.RESOLVED)
    return list(active.order_by("-started_at"))


def past_incidents(limit: int = 100, year: int | None = None) -> list[Incident]:
    """Resolved incidents, the latest first: the latest `limit`, or all of one year (local
    time), which the yearly archive pages show in full."""
    found = selectors.incidents_with_detail().filter(state=IncidentState.RESOLVED).order_by("-started_at")
    if year is not None:
        return list(found.filter(started_at__year=year))
    return list(found[:limit])


def incident_years() -> list[int]:
    """The years (local time) with resolved incidents, the latest first."""
    years = Incident.objects.filter(state=IncidentState.RESOLVED).dates("started_at", "year", order="DESC")
    return [day.year for day in years]


def get_platform(code: str) -> Platform:
    platform = Platform.objects.filter(code=code, active=True).first()
    if platform is None:
        raise NotFound("No such platform.")
    return platform


NO_IMPACT_NOTE = "Maintenance in progress, no impact expected"


def platform_impacts() -> tuple[dict[int, str], set[int]]:
    """Each active platform's current impact: the worst of its active incidents and of the
    maintenance in progress on it; and the platforms whose only maintenance in progress
    expects no impact, which stay operational with a note."""
    found: dict[int, list[str]] = defaultdict(list)
    for platform_id, impact in PlatformImpact.objects.exclude(
        incident__state=IncidentState.RESOLVED
    ).values_list("platform_id", "impact"):
        found[platform_id].append(impact)
    quiet, busy = set(), set()
    for platform_id, impact in MaintenanceWindow.platforms.through.objects.filter(
        maintenancewindow__occurrences__state=OccurrenceState.IN_PROGRESS
    ).values_list("platform_id", "maintenancewindow__impact"):
        if impact == Impact.OPERATIONAL:
            quiet.add(platform_id)
        else:
            busy.add(platform_id)
            found[platform_id].append(impact or Impact.MAINTENANCE)
    return {pid: worst(values) for pid, values in found.items()}, quiet - busy


# Uptime counts an outage (partial or major) as down; a degraded service still works and
# maintenance is announced ahead, so neither counts against it.
DOWN = frozenset({Impact.PARTIAL.value, Impact.MAJOR.value})


@dataclass
class PlatformRow:
    platform: Platform
    impact: str
    days: list[tuple[date, str]] = field(default_factory=list)
    note: str = ""
    uptime: float | None = None  # percent of the last 90 days without an outage

    @property
    def impact_label(self) -> str:
        return Impact(self.impact).label

    @property
    def bars(self) -> list[tuple[date, str, str]]:
        """Each day with its worst impact and that impact's words, for the day's bar."""
        return [(day, impact, Impact(impact).label) for day, impact in self.days]

    @property
    def uptime_text(self) -> str:
        if self.uptime is None:
            return ""
        return "100%" if self.uptime >= 100 else f"{min(self.uptime, 99.99):.2f}%"


def uptime(spans: list[tuple[datetime, datetime]], since: datetime, now: datetime) -> float:
    """Percent of [since, now] covered by none of the (overlapping) outage spans."""
    total = (now - since).total_seconds()
    if total <= 0:
        return 100.0
    down, reach = 0.0, since
    for start, end in sorted((max(s, since), min(e, now)) for s, e in spans):
        if end <= reach:
            continue
        down += (end - max(start, reach)).total_seconds()
        reach = end
    return 100.0 * (1 - down / total)


def history(
    now: datetime, days: int = HISTORY_DAYS
) -> tuple[dict[int, list[tuple[date, str]]], dict[int, float]]:
    """For each platform, the worst impact of each of the last `days` local days, and its
    uptime over them (for the platforms that had an outage; the others had 100%)."""
    today = selectors.local_day(now)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=DENVER)
    worst_by_day: dict[int, dict[date, str]] = defaultdict(dict)

    def mark(platform_id: int, start: datetime, end: datetime, impact: str) -> None:
        day = max(selectors.local_day(start), first)
        last = min(selectors.local_day(end), today)
        while day <= last:
            current = worst_by_day[platform_id].get(day, Impact.OPERATIONAL.value)
            if IMPACT_RANK[impact] > IMPACT_RANK[current]:
                worst_by_day[platform_id][day] = impact
            day += timedelta(days=1)

    rows = PlatformImpact.objects.filter(
        Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gte=since)
    ).values_list("platform_id", "worst", "incident__started_at", "incident__resolved_at")
    outages: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for platform_id, impact, started, resolved in rows:
        mark(platform_id, started, resolved or now, impact)
        if impact in DOWN:
            outages[platform_id].append((started, resolved or now))
    occurrences = (
        MaintenanceOccurrence.objects.filter(end__gte=since, start__lte=now)
        .exclude(state=OccurrenceState.CANCELLED)
        .values_list("window__platforms", "window__impact", "start", "end")
    )
    for platform_id, impact, start, end in occurrences:
        if platform_id is not None and impact != Impact.OPERATIONAL:
            mark(platform_id, start, min(end, now), impact)
    result = {}
    for platform_id, marks in worst_by_day.items():
        result[platform_id] = [
            (first + timedelta(days=i), marks.get(first + timedelta(days=i), Impact.OPERATIONAL.value))
            for i in range(days)
        ]
    return result, {pid: uptime(spans, since, now) for pid, spans in outages.items()}


def platform_rows(now: datetime, with_history: bool = True) -> list[PlatformRow]:
    current, quiet = platform_impacts()
    bars, up = history(now) if with_history else ({}, {})
    today = selectors.local_day(now)
    blank = [
        (today - timedelta(days=HISTORY_DAYS - 1 - i), Impact.OPERATIONAL.value) for i in range(HISTORY_DAYS)
    ]
    return [
        PlatformRow(
            p,
            current.get(p.pk, Impact.OPERATIONAL.value),
            bars.get(p.pk, blank) if with_history else [],
            NO_IMPACT_NOTE if p.pk in quiet else "",
            up.get(p.pk, 100.0) if with_history else None,
        )
        for p in selectors.platforms()
    ]


@dataclass
class RegularWindow:
    """A recurring window with no customer impact, listed once: the occurrence in progress
    now, if any, else the next."""

    window: MaintenanceWindow
    occurrence: MaintenanceOccurrence

    @property
    def line(self) -> str:
        w = self.window
        zone = schedule.zone_label(ZoneInfo(w.zone))
        when = f"{schedule.in_short(w.rrule)} {w.start_time:%H:%M}-{w.end_time:%H:%M} {zone}"
        return f"{w.title}: {when}, no customer impact"


@dataclass
class MaintenanceLists:
    in_progress: list[MaintenanceOccurrence]
    upcoming: list[MaintenanceOccurrence]
    regular: list[RegularWindow]


def maintenance_lists(now: datetime) -> MaintenanceLists:
    """Maintenance for the page: the occurrences shown one by one, in progress and upcoming,
    and the recurring no-impact windows listed once instead of once a week (an occurrence
    moved off its rule keeps its own card)."""
    lists = MaintenanceLists([], [], [])
    regular: dict[int, RegularWindow] = {}
    for cards, found in (
        (lists.in_progress, selectors.maintenance_in_progress()),
        (lists.upcoming, selectors.maintenance_upcoming(now)),
    ):
        for occ in found:
            if occ.window.rrule and occ.window.no_impact and not occ.moved:
                regular.setdefault(occ.window_id, RegularWindow(occ.window, occ))
            else:
                cards.append(occ)
    lists.regular = list(regular.values())
    return lists


def overall(rows: list[PlatformRow]) -> str:
    return worst([row.impact for row in rows])


def windows_for(platform: Platform | None = None) -> list[MaintenanceWindow]:
    qs = MaintenanceWindow.objects.prefetch_related("platforms", "occurrences").order_by("id")
    if platform is not None:
        qs = qs.filter(platforms=platform)
    return list(qs)
