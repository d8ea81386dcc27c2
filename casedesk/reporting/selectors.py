"""The reports' figures, read from the summary tables (and, for breaches, incidents and
maintenance, from their own small indexed tables): never a scan of the case history.
Desk-wide figures are sums over the organisations' rows at read time."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from casedesk.accounts.models import Organisation, Platform, Team, User
from casedesk.cases.models import Channel, Kind
from casedesk.core import clock
from casedesk.reporting.models import OPEN_VALUES, CaseFact, DayFigure, Measure
from casedesk.reporting.upkeep import bucket_bound
from casedesk.rules.lifecycle import LABELS, Status
from casedesk.rules.sla import Clock
from casedesk.rules.triage import Priority
from casedesk.sla.models import Breach
from casedesk.status.models import Impact, MaintenanceOccurrence, OccurrenceState, PlatformImpact

AGES: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 day", 0, 1),
    ("1-3 days", 1, 3),
    ("3-7 days", 3, 7),
    ("7-30 days", 7, 30),
    ("over 30 days", 30, None),
)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    organisation: int | None = None
    platform: int | None = None
    team: int | None = None
    priority: str = ""
    channel: str = ""
    kind: str = ""
    by: str = "day"  # or "week", "month"

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def period(self, day: date) -> date:
        if self.by == "month":
            return day.replace(day=1)
        return day - timedelta(days=day.weekday()) if self.by == "week" else day

    def periods(self) -> list[date]:
        return list(dict.fromkeys(self.period(d) for d in self.days()))

    def dims(self, prefix: str = "") -> Q:
        q = Q()
        for name, value in (
            ("organisation_id", self.organisation),
            ("platform_id", self.platform),
            ("team_id", self.team),
            ("priority", self.priority),
            ("channel", self.channel),
            ("kind", self.kind),
        ):
            if value:
                q &= Q(**{prefix + name: value})
        return q

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as times: from the first day's midnight to the one after the last."""
        return _bounds(self.start, self.end)

    def as_params(self) -> dict[str, str]:
        """The filters as the report's query string carries them (subscriptions keep these)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat(), "by": self.by}
        for name in ("organisation", "platform", "team", "priority", "channel", "kind"):
            value = getattr(self, name)
            if value:
                params[name] = str(value)
        return {k: v for k, v in params.items() if not (k == "by" and v == "day")}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def figures(f: Filters, measures: Sequence[str]) -> QuerySet[DayFigure]:
    return DayFigure.objects.filter(f.dims(), day__gte=f.start, day__lte=f.end, measure__in=measures)


def quantile(buckets: Counter[int], share: float) -> int | None:
    """The upper bound (minutes) of the bucket holding the given share of the durations;
    None when there are none, -1 when it is the open-ended last bucket."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = share * total
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            bound = bucket_bound(index)
            return -1 if bound is None else bound
    return None


def minutes_label(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 0:
        return "over 30 days"
    if minutes < 60:
        return f"≤ {minutes} min"
    if minutes < 1440:
        return f"≤ {minutes / 60:g} h"
    return f"≤ {minutes / 1440:g} days"


def pct(total: int, late: int) -> float | None:
    return None if total == 0 else round(100.0 * (total - late) / total, 1)


# --- SLA attainment -------------------------------------------------------------------


@dataclass
class SlaRow:
    period: date
    responses: int = 0
    responses_late: int = 0
    unanswered: int = 0
    updates: int = 0
    updates_late: int = 0

    @property
    def response_pct(self) -> float | None:
        return pct(self.responses, self.responses_late)

    @property
    def update_pct(self) -> float | None:
        return pct(self.updates, self.updates_late)


@dataclass
class PriorityTimes:
    priority: str
    label: str
    responses: int
    median: int | None
    p90: int | None


@dataclass
class SlaReport:
    rows: list[SlaRow]
    priorities: list[PriorityTimes]
    totals: SlaRow = field(default_factory=lambda: SlaRow(date.min))


def _breaches(f: Filters) -> QuerySet[Breach, dict[str, Any]]:
    low, high = _bounds(f.start, f.end)
    q = Q(due__gte=low, due__lt=high, clock__in=[Clock.FIRST_RESPONSE.value, Clock.UPDATE.value])
    if f.organisation:
        q &= Q(case__organisation_id=f.organisation)
    if f.platform:
        q &= Q(case__platform_id=f.platform)
    if f.team:
        q &= Q(team_id=f.team)
    if f.priority:
        q &= Q(priority=f.priority)
    if f.channel:
        q &= Q(case__channel=f.channel)
    if f.kind:
        q &= Q(case__kind=f.kind)
    tz = timezone.get_current_timezone()
    return (
        Breach.objects.filter(q)
        .values(d=TruncDate("due", tzinfo=tz), c=F("clock"), o=F("ongoing"))
        .annotate(n=Count("id"))
        .order_by()
    )


def sla(f: Filters) -> SlaReport:
    """Per day or week: first responses and updates given, the deadlines missed in it
    (answered late, or not at all: a first response still owed counts as a response due),
    and the times to first response per priority from their histogram."""
    rows = {p: SlaRow(p) for p in f.periods()}
    times: dict[str, Counter[int]] = defaultdict(Counter)
    given = (
        figures(f, [Measure.FIRST_RESPONSE, Measure.UPDATE])
        .values("day", "measure", "priority", "bucket")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for r in given:
        row = rows[f.period(r["day"])]
        if r["measure"] == Measure.FIRST_RESPONSE:
            row.responses += r["n"]
            times[r["priority"]][r["bucket"]] += r["n"]
        else:
            row.updates += r["n"]
    for r in _breaches(f):
        row = rows[f.period(r["d"])]
        if r["c"] == Clock.FIRST_RESPONSE.value:
            row.responses_late += r["n"]
            if r["o"]:  # never answered: a deadline missed with no response to count
                row.unanswered += r["n"]
                row.responses += r["n"]
        else:
            row.updates_late += r["n"]
            if r["o"]:
                row.updates += r["n"]
    ordered = [rows[p] for p in sorted(rows)]
    for row in ordered:
        # A deadline missed and then ended by other means than a reply (the case closed,
        # a clock re-targeted) is still one that was due.
        row.responses = max(row.responses, row.responses_late)
        row.updates = max(row.updates, row.updates_late)
    totals = SlaRow(date.min)
    for row in ordered:
        for name in ("responses", "responses_late", "unanswered", "updates", "updates_late"):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    priorities = [
        PriorityTimes(
            p.value,
            p.label,
            sum(times[p.value].values()),
            quantile(times[p.value], 0.5),
            quantile(times[p.value], 0.9),
        )
        for p in Priority
        if times.get(p.value)
    ]
    return SlaReport(ordered, priorities, totals)


# --- Backlog --------------------------------------------------------------------------


@dataclass
class BacklogReport:
    statuses: list[tuple[str, str, list[int], int]]  # status, label, per age, total
    ages: list[str]
    age_totals: list[int]
    total: int
    trend: list[tuple[date, int]]


def _open_facts(f: Filters) -> QuerySet[CaseFact]:
    return CaseFact.objects.filter(f.dims(), status__in=OPEN_VALUES)


def backlog(f: Filters) -> BacklogReport:
    """The open cases now by status and age, and the open count at the end of each day of
    the range (now's count less what entered since, plus what left since)."""
    now = clock.now()
    cells: dict[str, list[int]] = {s: [0] * len(AGES) for s in OPEN_VALUES}
    buckets = {}
    for index, (_, low, high) in enumerate(AGES):
        q = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(opened_at__gt=now - timedelta(days=high))
        buckets[f"age{index}"] = Count("status", filter=q)
    # One pass over the open cases' covering index, each age a filtered count.
    for r in _open_facts(f).values("status").annotate(**buckets).order_by():
        for index in range(len(AGES)):
            cells[r["status"]][index] += r[f"age{index}"]
    statuses = [(s.value, LABELS[s], cells[s.value], sum(cells[s.value])) for s in Status if s.value in cells]
    total = sum(t for *_, t in statuses)
    age_totals = [sum(cells[s][i] for s in cells) for i in range(len(AGES))]
    flows: Counter[date] = Counter()
    later = replace(f, end=max(f.end, timezone.localdate(now)))
    for r in (
        DayFigure.objects.filter(
            f.dims(),
            day__gt=f.start,
            day__lte=later.end,
            measure__in=[Measure.BACKLOG_IN, Measure.BACKLOG_OUT],
        )
        .values("day", "measure")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        flows[r["day"]] += r["n"] if r["measure"] == Measure.BACKLOG_IN else -r["n"]
    trend = []
    level = total
    day = later.end
    while day >= f.start:
        if day <= f.end:
            trend.append((day, level))
        level -= flows[day]
        day -= timedelta(days=1)
    return BacklogReport(statuses, [a for a, *_ in AGES], age_totals, total, trend[::-1])


# --- Volume ---------------------------------------------------------------------------

VOLUME = (Measure.OPENED, Measure.RESOLVED, Measure.REOPENED)


@dataclass
class VolumeReport:
    rows: list[tuple[date, int, int, int]]  # period, opened, resolved, reopened
    by_channel: list[tuple[str, int, int, int]]
    by_platform: list[tuple[str, int, int, int]]
    top_organisations: list[tuple[str, int, int, int]]


def _split(
    f: Filters, column: str, names: dict[Any, str], limit: int | None = None
) -> list[tuple[str, int, int, int]]:
    counts: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in figures(f, VOLUME).values(column, "measure").annotate(n=Sum("count")).order_by():
        counts[r[column]][VOLUME.index(r["measure"])] += r["n"]
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1][0], str(names.get(kv[0], kv[0]))))
    if limit is not None:
        ordered = ordered[:limit]
    return [(names.get(key, str(key) or "—"), *values) for key, values in ordered]  # type: ignore[misc]


def _ranked(
    counts: dict[Any, list[int]], names: dict[Any, str], limit: int | None = None
) -> list[tuple[str, int, int, int]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1][0], str(names.get(kv[0], kv[0]))))
    if limit is not None:
        ordered = ordered[:limit]
    return [(names.get(key, str(key) or "—"), *values) for key, values in ordered]  # type: ignore[misc]


def volume(f: Filters) -> VolumeReport:
    """One read of the range's counts by day, channel and platform, folded three ways; one
    more for the organisations."""
    per: dict[date, list[int]] = {p: [0, 0, 0] for p in f.periods()}
    by_channel: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_platform: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, measure, channel, platform, n in (
        figures(f, VOLUME)
        .values_list("day", "measure", "channel", "platform_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        index = VOLUME.index(measure)
        per[f.period(day)][index] += n
        by_channel[channel][index] += n
        by_platform[platform][index] += n
    rows = [(p, *per[p]) for p in sorted(per)]
    platforms = {p.pk: p.name for p in Platform.objects.filter(pk__in=list(by_platform))} | {
        0: "(no platform)"
    }
    top = _split(f, "organisation_id", {}, limit=10)
    org_ids = [int(name) for name, *_ in top]
    orgs = {str(o.pk): o.name for o in Organisation.objects.filter(pk__in=org_ids)}
    return VolumeReport(
        rows,  # type: ignore[arg-type]
        _ranked(by_channel, dict(Channel.choices)),
        _ranked(by_platform, platforms),
        [(orgs.get(name, name), *values) for name, *values in top],  # type: ignore[misc]
    )


# --- Agents and teams -----------------------------------------------------------------


@dataclass
class AgentRow:
    name: str
    handled: int = 0
    replies: int = 0
    first_response_median: int | None = None
    resolution_median: int | None = None
    open_now: int = 0
    _fr: Counter[int] = field(default_factory=Counter, repr=False)
    _res: Counter[int] = field(default_factory=Counter, repr=False)


class _People:
    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.rows: dict[int, AgentRow] = {}

    def row(self, key: int) -> AgentRow:
        if key not in self.rows:
            self.rows[key] = AgentRow(self.names.get(key, "(nobody)" if not key else str(key)))
        return self.rows[key]

    def add(self, key: int, measure: str, bucket: int, n: int) -> None:
        one = self.row(key)
        if measure == Measure.RESOLVED:
            one.handled += n
            one._res[bucket] += n
        else:
            one.replies += n
            if measure == Measure.FIRST_RESPONSE:
                one._fr[bucket] += n

    def done(self) -> list[AgentRow]:
        for one in self.rows.values():
            one.first_response_median = quantile(one._fr, 0.5)
            one.resolution_median = quantile(one._res, 0.5)
        return sorted(self.rows.values(), key=lambda a: (-a.handled, -a.replies, a.name))


def agents(f: Filters) -> tuple[list[AgentRow], list[AgentRow]]:
    """Per agent (who replied; who held the case when resolved) and per team: one read of
    the range's figures and one of the open cases, folded both ways."""
    people = _People({u.pk: u.display_name for u in User.objects.filter(is_staff=True)})
    teams = _People({t.pk: t.name for t in Team.objects.all()})
    for agent, team, measure, bucket, n in (
        figures(f, [Measure.FIRST_RESPONSE, Measure.UPDATE, Measure.RESOLVED])
        .values_list("agent_id", "team_id", "measure", "bucket")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        people.add(agent, measure, bucket, n)
        teams.add(team, measure, bucket, n)
    for assignee, team, n in (
        _open_facts(f).values_list("assignee_id", "team_id").annotate(n=Count("status")).order_by()
    ):
        people.row(assignee).open_now += n
        teams.row(team).open_now += n
    shown = [a for a in people.done() if a.name != "(nobody)" or a.open_now]
    return shown, teams.done()


# --- Master cases and maintenance -----------------------------------------------------


@dataclass
class PlatformHealth:
    name: str
    incidents: int = 0
    resolution_hours: float | None = None
    maintenance_hours: float = 0.0
    outage_hours: float = 0.0
    months: list[tuple[str, float]] = field(default_factory=list)  # month, uptime %


def _overlap(start: datetime, end: datetime, low: datetime, high: datetime) -> float:
    return max(0.0, (min(end, high) - max(start, low)).total_seconds())


def _months(low: datetime, high: datetime) -> list[tuple[str, datetime, datetime]]:
    tz = timezone.get_current_timezone()
    out: list[tuple[str, datetime, datetime]] = []
    first = low.astimezone(tz).date().replace(day=1)
    while True:
        after = (first + timedelta(days=32)).replace(day=1)
        a = datetime.combine(first, time.min, tzinfo=tz)
        b = datetime.combine(after, time.min, tzinfo=tz)
        if a >= high:
            return out
        out.append((first.strftime("%Y-%m"), max(a, low), min(b, high)))
        first = after


def incidents(f: Filters) -> list[PlatformHealth]:
    """Per platform: incidents begun in the range, their median time to resolution, hours
    of maintenance done, and uptime per month (time not under a partial or major outage
    on the status page's history)."""
    low, high = _bounds(f.start, f.end)
    high = min(high, max(low, clock.now()))
    platforms = Platform.objects.all() if not f.platform else Platform.objects.filter(pk=f.platform)
    health = {p.pk: PlatformHealth(p.name) for p in platforms.order_by("name")}
    impacts = PlatformImpact.objects.filter(
        platform_id__in=list(health), incident__started_at__lt=high
    ).filter(Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gt=low))
    if f.organisation:
        impacts = impacts.filter(incident__organisations=f.organisation)
    durations: dict[int, list[float]] = defaultdict(list)
    outages: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for pid, started, resolved, worst in impacts.values_list(
        "platform_id", "incident__started_at", "incident__resolved_at", "worst"
    ):
        ended = resolved or clock.now()
        if started >= low:
            health[pid].incidents += 1
            if resolved is not None:
                durations[pid].append((resolved - started).total_seconds() / 3600)
        if worst in (Impact.PARTIAL, Impact.MAJOR):
            outages[pid].append((started, ended))
    windows = MaintenanceOccurrence.objects.filter(
        start__lt=high, end__gt=low, window__cancelled=False
    ).exclude(state=OccurrenceState.CANCELLED)
    for pid, start, end in windows.filter(window__platforms__in=list(health)).values_list(
        "window__platforms", "start", "end"
    ):
        health[pid].maintenance_hours += _overlap(start, end, low, high) / 3600
    months = _months(low, high)
    for pid, one in health.items():
        spans = sorted(outages[pid])
        one.outage_hours = round(sum(_overlap(a, b, low, high) for a, b in spans) / 3600, 2)
        one.maintenance_hours = round(one.maintenance_hours, 2)
        if durations[pid]:
            ordered = sorted(durations[pid])
            one.resolution_hours = round(ordered[len(ordered) // 2], 2)
        for name, a, b in months:
            span = (b - a).total_seconds()
            down = sum(_overlap(x, y, a, b) for x, y in spans)
            one.months.append((name, round(100.0 * (1 - min(down, span) / span), 3) if span else 100.0))
    return list(health.values())


def names_for(f: Filters) -> dict[str, str]:
    """The chosen filters' display names, for headings and e-mails."""
    out: dict[str, str] = {}
    if f.organisation:
        out["organisation"] = str(Organisation.objects.filter(pk=f.organisation).first() or f.organisation)
    if f.platform:
        out["platform"] = str(Platform.objects.filter(pk=f.platform).first() or f.platform)
    if f.team:
        out["team"] = str(Team.objects.filter(pk=f.team).first() or f.team)
    if f.priority:
        out["priority"] = f.priority
    if f.channel:
        out["channel"] = dict(Channel.choices).get(f.channel, f.channel)
    if f.kind:
        out["kind"] = dict(Kind.choices).get(f.kind, f.kind)
    return out


@dataclass
class OrganisationMonth:
    month: date
    opened: int
    resolved: int
    sla: SlaRow


def organisation_months(organisation: int, months: int = 12) -> list[OrganisationMonth]:
    """An organisation's own cases opened and resolved per month, and the share of their
    first-response and update deadlines met, for its portal."""
    end = timezone.localdate()
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    f = Filters(start, end, organisation=organisation, by="month")
    counts = volume(f)
    attainment = {row.period: row for row in sla(f).rows}
    return [
        OrganisationMonth(month, opened, resolved, attainment.get(month, SlaRow(month)))
        for month, opened, resolved, _ in counts.rows
    ]
