"""Reads for SLA pages: escalation paths, the breaching-soon list, the SLA report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F
from django.utils import timezone

from casedesk.cases.models import Case, CaseEvent
from casedesk.rules.lifecycle import Actor
from casedesk.sla.models import Breach, EscalationPath


def escalation_paths() -> list[EscalationPath]:
    return list(EscalationPath.objects.prefetch_related("levels__on_call_calendar").order_by("id"))


@dataclass(frozen=True)
class ReportRow:
    priority: str
    team: str
    responses: int
    responses_late: int
    updates: int
    updates_late: int

    @staticmethod
    def pct(total: int, late: int) -> float | None:
        return None if total == 0 else round(100.0 * (total - late) / total, 1)

    @property
    def response_pct(self) -> float | None:
        return self.pct(self.responses, self.responses_late)

    @property
    def update_pct(self) -> float | None:
        return self.pct(self.updates, self.updates_late)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def sla_report(start: date, end: date) -> list[ReportRow]:
    """Per priority and team: first responses and updates in [start, end] and how many
    came within target (a late one has a recorded breach of its clock)."""
    low, high = _bounds(start, end)
    key = ("priority", "team__name")
    responses = {
        (r["priority"], r["team__name"]): r["n"]
        for r in Case.objects.filter(first_responded_at__gte=low, first_responded_at__lt=high)
        .values(*key)
        .annotate(n=Count("id"))
    }
    staff_updates = (
        CaseEvent.objects.filter(
            kind=CaseEvent.Kind.COMMENT, public=True, actor_kind=Actor.STAFF, at__gte=low, at__lt=high
        )
        .exclude(at=F("case__first_responded_at"))
        .values(priority=F("case__priority"), team=F("case__team__name"))
        .annotate(n=Count("id"))
    )
    updates = {(r["priority"], r["team"]): r["n"] for r in staff_updates}
    late: dict[tuple[str, Any, str], int] = {}
    for row in (
        Breach.objects.filter(until__gte=low, until__lt=high, ongoing=False)
        .values("clock", "priority", "team__name")
        .annotate(n=Count("id"))
    ):
        late[(row["priority"], row["team__name"], row["clock"])] = row["n"]
    groups = sorted(set(responses) | set(updates), key=lambda k: (k[0], k[1] or ""))
    return [
        ReportRow(
            priority=priority,
            team=team or "(no team)",
            responses=responses.get((priority, team), 0),
            responses_late=late.get((priority, team, "first_response"), 0),
            updates=updates.get((priority, team), 0),
            updates_late=late.get((priority, team, "update"), 0),
        )
        for priority, team in groups
    ]
