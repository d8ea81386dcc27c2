"""The reads of incidents, maintenance, webhooks and master cases that the consoles and
the public pages share, and those of the consoles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from casedesk.accounts.models import Platform
from casedesk.cases.models import OPEN_Q, Case, Priority
from casedesk.core.errors import NotFound
from casedesk.rules import schedule
from casedesk.rules.schedule import DENVER
from casedesk.status.models import (
    Incident,
    IncidentUpdate,
    MaintenanceKind,
    MaintenanceKindPolicy,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MasterChild,
    OccurrenceState,
    PlatformImpact,
    Subscription,
)


def platforms() -> list[Platform]:
    return list(Platform.objects.filter(active=True).order_by("name"))


def incidents_with_detail() -> QuerySet[Incident]:
    return Incident.objects.select_related("case").prefetch_related(
        Prefetch("impacts", queryset=PlatformImpact.objects.select_related("platform")),
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-at", "-id")),
    )


def get_incident(incident_id: int) -> Incident:
    incident = incidents_with_detail().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


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


def plan_policy(kind: str) -> MaintenanceKindPolicy:
    """The plan's default for a kind, unsaved: what a kind means if its row is missing."""
    plan = schedule.PLAN[kind]
    return MaintenanceKindPolicy(
        kind=kind,
        default_impact=plan.impact,
        reminder_lead=plan.reminder,
        announce_on_entry=plan.at_once,
        notify_start=plan.at_start,
        notify_completion=plan.at_completion,
        quiet_hours=plan.quiet_hours,
    )


def kind_policies() -> dict[str, MaintenanceKindPolicy]:
    """Every kind's policy (one query): the stored row, or the plan's default without one."""
    stored = {row.kind: row for row in MaintenanceKindPolicy.objects.all()}
    return {kind: stored.get(kind) or plan_policy(kind) for kind in MaintenanceKind.values}


def kind_policy(kind: str) -> MaintenanceKindPolicy:
    return MaintenanceKindPolicy.objects.filter(kind=kind).first() or plan_policy(kind)


def local_day(moment: datetime) -> date:
    return moment.astimezone(DENVER).date()


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
