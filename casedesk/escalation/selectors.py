"""Reads for SLA pages: escalation paths and how far up each a case is, the breaching-soon
list, the SLA report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from casedesk.accounts import permissions
from casedesk.cases.models import Case, CaseEvent
from casedesk.core import clock
from casedesk.escalation.models import CaseEscalation
from casedesk.rules import partners
from casedesk.rules.lifecycle import Actor
from casedesk.rules.sla import Clock
from casedesk.sla.models import Breach, EscalationLevel, EscalationPath

FIRST_RESPONSE, UPDATE = Clock.FIRST_RESPONSE.value, Clock.UPDATE.value


def escalation_paths(viewer: Any = None) -> list[EscalationPath]:
    """The published paths. A partner's own contacts are shown to staff, to the customers it
    manages (and its people acting for them) and to its own people; to no one else: the
    public plan and every other customer see the provider's contacts only."""
    levels = EscalationLevel.objects.select_related("on_call_calendar", "team", "partner").order_by(
        "level", "id"
    )
    if not permissions.is_staff(viewer):
        levels = levels.filter(Q(partner__isnull=True) | Q(partner_id__in=_partners_of(viewer)))
    return list(EscalationPath.objects.prefetch_related(Prefetch("levels", queryset=levels)).order_by("id"))


def _partners_of(viewer: Any) -> list[int]:
    if viewer is None:
        return []
    ids = []
    for contact in (permissions.customer_contact(viewer), permissions.own_contact(viewer)):
        if contact is None:
            continue
        org = contact.organisation
        if org.partner_id is not None:
            ids.append(org.partner_id)
        if partners.Kind(org.kind).manages:
            ids.append(org.pk)
    return ids


def case_levels(case: Case) -> dict[str, int]:
    """The level the case has reached on each path it was escalated on, by path kind."""
    levels = dict(
        CaseEscalation.objects.filter(case=case).order_by("path_id").values_list("path__kind", "level")
    )
    return with_support_level(case, levels)


def with_support_level(case: Case, levels: dict[str, int]) -> dict[str, int]:
    if case.escalation_level and EscalationPath.Kind.SUPPORT not in levels:
        # Escalated before each path's level was kept: the case has the support path's.
        levels = {EscalationPath.Kind.SUPPORT.value: case.escalation_level, **levels}
    return levels


@dataclass(frozen=True)
class PathLevel:
    kind: str
    label: str
    level: int  # 0: not escalated on this path


def case_paths(case: Case) -> list[PathLevel]:
    """Every path, support first, with the level the case has reached on it."""
    kept = set(EscalationPath.objects.values_list("kind", flat=True))
    return paths_of(case, case_levels(case), kept)


def paths_from(case: Case, levels: dict[str, int], kept: set[str]) -> dict[str, Any]:
    """What the Escalate forms show, from the case's levels per path kind as read
    (`CaseEscalation` rows) and the path kinds kept: the paths, and those reached."""
    paths = paths_of(case, with_support_level(case, levels), kept)
    return {"paths": paths, "reached": [p for p in paths if p.level]}


def paths_of(case: Case, reached: dict[str, int], kept: set[str]) -> list[PathLevel]:
    return [
        PathLevel(kind, label, reached.get(kind, 0))
        for kind, label in EscalationPath.Kind.choices
        if kind in kept or kind in reached
    ]


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


def _counts(rows: Any) -> Counter[tuple[str, Any]]:
    return Counter({(r["p"], r["t"]): r["n"] for r in rows})


def sla_report(start: date, end: date, *, organisation: int | None = None) -> list[ReportRow]:
    """Per priority and team (the case's), each first-response and update deadline of
    [start, end], counted once, in the period it fell in: a target met when it was met, a
    target missed when its deadline passed, answered late since or not at all (its clock
    has a recorded breach, or its stored deadline is behind us and still open).
    `organisation`: only its cases, whose targets are its agreements where it has any."""
    low, high = _bounds(start, end)
    passed = min(high, clock.now())  # deadlines later than now have not been missed yet
    cases = Case.objects.all() if organisation is None else Case.objects.filter(organisation_id=organisation)
    group = {"p": F("priority"), "t": F("team__name")}

    def breached(clock_kind: str, **extra: Any) -> Exists:
        return Exists(Breach.objects.filter(case_id=OuterRef("pk"), clock=clock_kind, **extra))

    responses_met = _counts(
        cases.filter(first_responded_at__gte=low, first_responded_at__lt=high)
        .exclude(breached(FIRST_RESPONSE))
        .values(**group)
        .annotate(n=Count("id"))
    )
    responses_missed = _counts(
        cases.filter(
            Q(breached(FIRST_RESPONSE, due__gte=low, due__lt=high))
            | Q(first_responded_at__isnull=True, first_response_due__gte=low, first_response_due__lt=passed)
        )
        .values(**group)
        .annotate(n=Count("id"))
    )
    updates_met = _counts(
        CaseEvent.objects.filter(
            kind=CaseEvent.Kind.COMMENT,
            public=True,
            actor_kind=Actor.STAFF,
            at__gte=low,
            at__lt=high,
            case__in=cases,
        )
        .exclude(at=F("case__first_responded_at"))
        .exclude(
            Exists(
                Breach.objects.filter(
                    case_id=OuterRef("case_id"), clock=UPDATE, until=OuterRef("at"), ongoing=False
                )
            )
        )
        .values(p=F("case__priority"), t=F("case__team__name"))
        .annotate(n=Count("id"))
    )
    updates_missed = _counts(
        Breach.objects.filter(clock=UPDATE, due__gte=low, due__lt=high, case__in=cases)
        .values(p=F("case__priority"), t=F("case__team__name"))
        .annotate(n=Count("id"))
    ) + _counts(
        # Overdue now, and no sweep has recorded the breach yet.
        cases.filter(next_update_due__gte=low, next_update_due__lt=passed)
        .exclude(breached(UPDATE, due=OuterRef("next_update_due")))
        .values(**group)
        .annotate(n=Count("id"))
    )
    groups = sorted(
        set(responses_met) | set(responses_missed) | set(updates_met) | set(updates_missed),
        key=lambda k: (k[0], k[1] or ""),
    )
    return [
        ReportRow(
            priority=priority,
            team=team or "(no team)",
            responses=responses_met[(priority, team)] + responses_missed[(priority, team)],
            responses_late=responses_missed[(priority, team)],
            updates=updates_met[(priority, team)] + updates_missed[(priority, team)],
            updates_late=updates_missed[(priority, team)],
        )
        for priority, team in groups
    ]


@dataclass(frozen=True)
class CompletionRow:
    team: str
    done: int
    late: int

    @property
    def pct(self) -> float | None:
        return ReportRow.pct(self.done, self.late)


COMPLETION = Clock.COMPLETION.value


def completion_report(start: date, end: date, *, organisation: int | None = None) -> list[CompletionRow]:
    """MACD requests' completion targets of [start, end] per team, each counted once in the
    period its deadline fell in or its work was done in: met when done in time; missed when
    its deadline passed (a recorded breach, or a stored deadline behind us still open)."""
    low, high = _bounds(start, end)
    passed = min(high, clock.now())
    cases = Case.objects.filter(kind="macd")
    if organisation is not None:
        cases = cases.filter(organisation_id=organisation)
    group = {"p": F("kind"), "t": F("team__name")}
    late = Exists(Breach.objects.filter(case_id=OuterRef("pk"), clock=COMPLETION))
    met = _counts(
        cases.filter(completed_at__gte=low, completed_at__lt=high)
        .exclude(late)
        .values(**group)
        .annotate(n=Count("id"))
    )
    missed = _counts(
        Breach.objects.filter(clock=COMPLETION, due__gte=low, due__lt=high, case__in=cases)
        .values(p=F("case__kind"), t=F("case__team__name"))
        .annotate(n=Count("id"))
    ) + _counts(
        cases.filter(completion_due__gte=low, completion_due__lt=passed)
        .exclude(
            Exists(
                Breach.objects.filter(
                    case_id=OuterRef("pk"), clock=COMPLETION, due=OuterRef("completion_due")
                )
            )
        )
        .values(**group)
        .annotate(n=Count("id"))
    )
    keys = sorted(set(met) | set(missed), key=lambda k: k[1] or "")
    return [
        CompletionRow(team or "(no team)", met[k] + missed[k], missed[k]) for k in keys for team in [k[1]]
    ]
