"""Every read the status pages, feeds and the master-case console need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from casedesk.accounts.models import Platform
from casedesk.cases.models import OPEN_Q, Case, Priority
from casedesk.core.errors import NotFound
from casedesk.rules.schedule import DENVER
from casedesk.status.models import (
    IMPACT_RANK,
    Impact,
    Incident,
    IncidentState,
    IncidentUpdate,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MasterChild,
    OccurrenceState,
    PlatformImpact,
    Subscription,
    worst,
)

HISTORY_DAYS = 90


def platforms() -> list[Platform]:
    return list(Platform.objects.filter(active=True).order_by("name"))


def incidents_with_detail() -> QuerySet[Incident]:
    return Incident.objects.select_related("case").prefetch_related(
        Prefetch("impacts", queryset=PlatformImpact.objects.select_related("platform")),
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-at", "-id")),
    )


def active_incidents() -> list[Incident]:
    return list(incidents_with_detail().exclude(state=IncidentState.RESOLVED).order_by("-started_at"))


def past_incidents(limit: int = 100, year: int | None = None) -> list[Incident]:
    """Resolved incidents, the latest first: the latest `limit`, or all of one year (local
    time), which the yearly archive pages show in full."""
    found = incidents_with_detail().filter(state=IncidentState.RESOLVED).order_by("-started_at")
    if year is not None:
        return list(found.filter(started_at__year=year))
    return list(found[:limit])


def incident_years() -> list[int]:
    """The years (local time) with resolved incidents, the latest first."""
    years = Incident.objects.filter(state=IncidentState.RESOLVED).dates("started_at", "year", order="DESC")
    return [day.year for day in years]


def get_incident(incident_id: int) -> Incident:
    incident = incidents_with_detail().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def get_platform(code: str) -> Platform:
    platform = Platform.objects.filter(code=code, active=True).first()
    if platform is None:
        raise NotFound("No such platform.")
    return platform


def occurrences_qs() -> QuerySet[MaintenanceOccurrence]:
    return MaintenanceOccurrence.objects.select_related("window").prefetch_related("window__platforms")


def maintenance_in_progress() -> list[MaintenanceOccurrence]:
    return list(occurrences_qs().filter(state=OccurrenceState.IN_PROGRESS).order_by("start"))


def maintenance_upcoming(now: datetime, days: int = 30) -> list[MaintenanceOccurrence]:
    return list(
        occurrences_qs()
        .filter(state=OccurrenceState.SCHEDULED, start__lte=now + timedelta(days=days))
        .order_by("start")
    )


def platform_impacts() -> dict[int, str]:
    """Each active platform's current impact: the worst of its active incidents, and
    "under maintenance" while a window that touches it is in progress."""
    found: dict[int, list[str]] = defaultdict(list)
    for platform_id, impact in PlatformImpact.objects.exclude(
        incident__state=IncidentState.RESOLVED
    ).values_list("platform_id", "impact"):
        found[platform_id].append(impact)
    for platform_id, impact in MaintenanceWindow.platforms.through.objects.filter(
        maintenancewindow__occurrences__state=OccurrenceState.IN_PROGRESS
    ).values_list("platform_id", "maintenancewindow__impact"):
        found[platform_id].append(impact or Impact.MAINTENANCE)
    return {pid: worst(values) for pid, values in found.items()}


@dataclass
class PlatformRow:
    platform: Platform
    impact: str
    days: list[tuple[date, str]] = field(default_factory=list)

    @property
    def impact_label(self) -> str:
        return Impact(self.impact).label


def local_day(moment: datetime) -> date:
    return moment.astimezone(DENVER).date()


def history(now: datetime, days: int = HISTORY_DAYS) -> dict[int, list[tuple[date, str]]]:
    """For each platform, the worst impact of each of the last `days` local days."""
    today = local_day(now)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=DENVER)
    worst_by_day: dict[int, dict[date, str]] = defaultdict(dict)

    def mark(platform_id: int, start: datetime, end: datetime, impact: str) -> None:
        day = max(local_day(start), first)
        last = min(local_day(end), today)
        while day <= last:
            current = worst_by_day[platform_id].get(day, Impact.OPERATIONAL.value)
            if IMPACT_RANK[impact] > IMPACT_RANK[current]:
                worst_by_day[platform_id][day] = impact
            day += timedelta(days=1)

    rows = PlatformImpact.objects.filter(
        Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gte=since)
    ).values_list("platform_id", "worst", "incident__started_at", "incident__resolved_at")
    for platform_id, impact, started, resolved in rows:
        mark(platform_id, started, resolved or now, impact)
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
    return result


def platform_rows(now: datetime, with_history: bool = True) -> list[PlatformRow]:
    current = platform_impacts()
    bars = history(now) if with_history else {}
    today = local_day(now)
    blank = [
        (today - timedelta(days=HISTORY_DAYS - 1 - i), Impact.OPERATIONAL.value) for i in range(HISTORY_DAYS)
    ]
    return [
        PlatformRow(
            p, current.get(p.pk, Impact.OPERATIONAL.value), bars.get(p.pk, blank) if with_history else []
        )
        for p in platforms()
    ]


def overall(rows: list[PlatformRow]) -> str:
    return worst([row.impact for row in rows])


def windows_for(platform: Platform | None = None) -> list[MaintenanceWindow]:
    qs = MaintenanceWindow.objects.prefetch_related("platforms", "occurrences").order_by("id")
    if platform is not None:
        qs = qs.filter(platforms=platform)
    return list(qs)


def console_windows(now: datetime, limit: int = 200) -> list[MaintenanceWindow]:
    """Windows for the console, live ones first; each with `upcoming`: its occurrences that
    have not ended yet, in order."""
    ahead = MaintenanceOccurrence.objects.filter(end__gt=now).order_by("start", "id")
    return list(
        MaintenanceWindow.objects.prefetch_related(
            "platforms", Prefetch("occurrences", queryset=ahead, to_attr="upcoming")
        ).order_by("cancelled", "-id")[:limit]
    )


def get_window(window_id: int) -> MaintenanceWindow:
    window = MaintenanceWindow.objects.prefetch_related("platforms").filter(pk=window_id).first()
    if window is None:
        raise NotFound("No such maintenance window.")
    return window


def window_occurrences(
    window: MaintenanceWindow, now: datetime, past_days: int = 90
) -> list[MaintenanceOccurrence]:
    return list(window.occurrences.filter(end__gte=now - timedelta(days=past_days)).order_by("start", "id"))


def get_occurrence(window_id: int, occurrence_id: int) -> MaintenanceOccurrence:
    occ = occurrences_qs().filter(pk=occurrence_id, window_id=window_id).first()
    if occ is None:
        raise NotFound("No such occurrence of this maintenance window.")
    return occ


def webhooks() -> list[Subscription]:
    return list(
        Subscription.objects.filter(channel=Subscription.Channel.WEBHOOK)
        .select_related("platform", "incident")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__state="pending")),
            failed=Count("deliveries", filter=Q(deliveries__state="failed")),
        )
        .order_by("url", "id")
    )


def get_webhook(subscription_id: int) -> Subscription:
    sub = Subscription.objects.filter(pk=subscription_id, channel=Subscription.Channel.WEBHOOK).first()
    if sub is None:
        raise NotFound("No such webhook.")
    return sub


# --- master cases ----------------------------------------------------------------------


def master_of(case: Case) -> Case | None:
    link = MasterChild.objects.select_related("master").filter(case=case).first()
    return link.master if link else None


def is_master(case: Case) -> bool:
    return Incident.objects.filter(case=case).exists()


def children(master: Case) -> list[Case]:
    return list(
        Case.objects.filter(master_link__master=master)
        .select_related("organisation", "contact", "platform")
        .order_by("organisation__name", "id")
    )


def masters() -> list[Incident]:
    return list(
        Incident.objects.select_related("case", "case__assignee")
        .annotate(child_count=Count("case__child_links"))
        .order_by("resolved_at", "-started_at")[:200]
    )


def get_master(user: Any, number: str) -> tuple[Case, Incident]:
    from casedesk.cases import selectors as case_selectors

    case = case_selectors.get_case(user, number)
    incident = Incident.objects.filter(case=case).first()
    if incident is None:
        raise NotFound(f"{case.number} is not a master case.")
    return case, incident


@dataclass
class Suggestion:
    platform: Platform
    cases: list[Case]

    @property
    def organisations(self) -> list[str]:
        return sorted({c.organisation.name for c in self.cases})


def master_suggestions(now: datetime) -> list[Suggestion]:
    """Platforms where cases from two or more organisations arrived within the window and
    are not yet part of a master case: candidates for one."""
    since = now - timedelta(minutes=settings.CASEDESK_MASTER_SUGGEST_MINUTES)
    recent = (
        Case.objects.filter(OPEN_Q, opened_at__gte=since, platform__isnull=False, master_link__isnull=True)
        .exclude(priority=Priority.P1G)
        .select_related("organisation", "platform")
        .order_by("platform_id", "opened_at")
    )
    by_platform: dict[int, list[Case]] = defaultdict(list)
    for case in recent:
        assert case.platform_id is not None
        by_platform[case.platform_id].append(case)
    found = []
    for cases in by_platform.values():
        if len({c.organisation_id for c in cases}) >= settings.CASEDESK_MASTER_SUGGEST_ORGS:
            assert cases[0].platform is not None
            found.append(Suggestion(cases[0].platform, cases))
    return found
