"""The reports as tables and charts, from the figures: what the console shows, the CSV
holds and a scheduled e-mail's PDF lays out, one build per report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from casedesk.accounts import selectors as accounts
from casedesk.cases.models import Channel, Kind
from casedesk.reporting import charts, ratings
from casedesk.reporting import selectors as figures
from casedesk.reporting.selectors import Filters, minutes_label
from casedesk.rules.triage import Priority

MAX_DAYS = 400


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[Any]]
    caption: str = ""

    @property
    def labelled(self) -> list[list[tuple[str, Any]]]:
        """Each cell with its column's name, which the narrow layout shows beside it."""
        return [list(zip(self.head, row, strict=False)) for row in self.rows]


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    about: str
    build: Callable[[Filters], tuple[list[dict[str, Any]], list[Table]]]

    @property
    def url_name(self) -> str:
        return f"console:report_{self.slug}"


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(params: Any) -> tuple[Filters, str, str]:
    """The report's filters from a query string (a page, a CSV link, a subscription):
    unknown values are dropped, never trusted. Returns the filters, the organisation as
    typed, and what to say when it names none."""
    today = timezone.localdate()
    end = _date(params.get("end"), today)
    start = _date(params.get("start"), end - timedelta(days=29))
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS))
    wanted = " ".join(str(params.get("organisation", "")).split())[:200]
    chosen = accounts.organisation_by_ref(wanted) if wanted else None
    if chosen is None and wanted.isdigit():
        chosen = accounts.organisations_by_ids([int(wanted)]).first()
    unknown = (
        f"No organisation is named “{wanted}” or has that account number." if wanted and not chosen else ""
    )
    priority = params.get("priority", "")
    channel = params.get("channel", "")
    kind = params.get("kind", "")
    f = Filters(
        start,
        end,
        organisation=chosen.pk if chosen else None,
        platform=_int(params.get("platform")),
        team=_int(params.get("team")),
        priority=priority if priority in Priority._value2member_map_ else "",
        channel=channel if channel in Channel.values else "",
        kind=kind if kind in Kind.values else "",
        by=params.get("by") if params.get("by") in ("week", "month") else "day",
    )
    return f, wanted, unknown


def _label(f: Filters, day: date) -> str:
    if f.by == "month":
        return f"{day:%b %Y}"
    return f"w/c {day:%d %b}" if f.by == "week" else f"{day:%d %b}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _sla(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    r = figures.sla(f)
    labels = [_label(f, row.period) for row in r.rows]
    chart = charts.over_time(
        labels,
        [
            charts.Series("First responses in target", [row.response_pct for row in r.rows], "line"),
            charts.Series("Updates in target", [row.update_pct for row in r.rows], "line"),
        ],
        title="SLA attainment per " + f.by,
        y_max=100,
        unit="%",
    )
    per = Table(
        [
            "Period",
            "First responses",
            "Late",
            "Never answered",
            "In target",
            "Updates",
            "Updates late",
            "Updates in target",
        ],
        [
            [
                row.period.isoformat(),
                row.responses,
                row.responses_late,
                row.unanswered,
                _pct(row.response_pct),
                row.updates,
                row.updates_late,
                _pct(row.update_pct),
            ]
            for row in r.rows
        ],
        "Per " + f.by,
    )
    times = Table(
        ["Priority", "", "First responses", "Median time to first response", "90th percentile"],
        [
            [p.priority, p.label, p.responses, minutes_label(p.median), minutes_label(p.p90)]
            for p in r.priorities
        ],
        "Time to first response by priority",
    )
    return [chart], [per, times]


def _backlog(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    r = figures.backlog(f)
    shown = [s for s in r.statuses if s[3]]
    by_age = charts.across(r.ages, [charts.Series("Open cases", r.age_totals)], title="Open cases by age")
    trend = charts.over_time(
        [_label(replace_by_day(f), d) for d, _ in r.trend],
        [charts.Series("Open at the end of the day", [n for _, n in r.trend], "line")],
        title="Backlog trend",
    )
    table = Table(
        ["Status", *r.ages, "Total"],
        [[label, *cells, total] for _, label, cells, total in shown] + [["All open", *r.age_totals, r.total]],
        "Open now by status and age",
    )
    trend_table = Table(["Day", "Open"], [[d.isoformat(), n] for d, n in r.trend], "Trend")
    return [by_age, trend], [table, trend_table]


def replace_by_day(f: Filters) -> Filters:
    return Filters(f.start, f.end, by="day")


def _volume(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    r = figures.volume(f)
    chart = charts.over_time(
        [_label(f, row[0]) for row in r.rows],
        [
            charts.Series("Opened", [row[1] for row in r.rows]),
            charts.Series("Resolved", [row[2] for row in r.rows]),
            charts.Series("Reopened", [row[3] for row in r.rows]),
        ],
        title="Cases opened, resolved and reopened per " + f.by,
    )
    head = ["Opened", "Resolved", "Reopened"]
    return [chart], [
        Table(["Period", *head], [[row[0].isoformat(), *row[1:]] for row in r.rows], "Per " + f.by),
        Table(["Channel", *head], [list(row) for row in r.by_channel], "By channel"),
        Table(["Platform", *head], [list(row) for row in r.by_platform], "By platform"),
        Table(["Organisation", *head], [list(row) for row in r.top_organisations], "Top organisations"),
    ]


def _agents(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    people, teams = figures.agents(f)
    top = people[:15]
    chart = charts.across(
        [a.name for a in top],
        [
            charts.Series("Cases resolved", [a.handled for a in top]),
            charts.Series("Public replies", [a.replies for a in top]),
            charts.Series("Open now", [a.open_now for a in top]),
        ],
        title="Agents: cases resolved, public replies and open load",
    )
    head = ["Cases resolved", "Public replies", "Median first response", "Median resolution", "Open now"]

    def rows(items: list[figures.AgentRow]) -> list[list[Any]]:
        return [
            [
                a.name,
                a.handled,
                a.replies,
                minutes_label(a.first_response_median),
                minutes_label(a.resolution_median),
                a.open_now,
            ]
            for a in items
        ]

    return [chart], [
        Table(["Agent", *head], rows(people), "Agents"),
        Table(["Team", *head], rows(teams), "Teams"),
    ]


def _incidents(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    health = figures.incidents(f)
    chart = charts.across(
        [p.name for p in health],
        [
            charts.Series("Incidents", [p.incidents for p in health]),
            charts.Series("Maintenance hours", [p.maintenance_hours for p in health]),
        ],
        title="Incidents and maintenance per platform",
    )
    months = sorted({m for p in health for m, _ in p.months})
    return [chart], [
        Table(
            ["Platform", "Incidents", "Median time to resolution", "Outage hours", "Maintenance hours"],
            [
                [
                    p.name,
                    p.incidents,
                    "—" if p.resolution_hours is None else f"{p.resolution_hours} h",
                    p.outage_hours,
                    p.maintenance_hours,
                ]
                for p in health
            ],
            "Master cases (incidents) and maintenance",
        ),
        Table(
            ["Platform", *months],
            [[p.name, *(f"{u}%" for _, u in p.months)] for p in health],
            "Uptime per month (status page history)",
        ),
    ]


def _satisfaction(f: Filters) -> tuple[list[dict[str, Any]], list[Table]]:
    found = ratings.collect(f)
    if not found:
        return [], [
            Table(["Period", "Average score", "Ratings", "Rated 4 or 5"], [], "No ratings in this range")
        ]
    periods: dict[date, list[ratings.Rating]] = {p: [] for p in f.periods()}
    for r in found:
        periods.setdefault(f.period(r.day), []).append(r)
    rows = []
    for period, given in periods.items():
        average = round(sum(r.score for r in given) / len(given), 2) if given else None
        happy = round(100 * sum(r.score >= 4 for r in given) / len(given)) if given else None
        rows.append((period, average, len(given), happy))
    chart = charts.over_time(
        [_label(f, period) for period, *_ in rows],
        [charts.Series("Average score (1-5)", [avg for _, avg, _, _ in rows])],
        title="Average satisfaction score per " + f.by,
        y_max=5,
    )
    comments = [r for r in reversed(found) if r.comment.strip()][:COMMENTS_SHOWN]
    return [chart], [
        Table(
            ["Period", "Average score", "Ratings", "Rated 4 or 5"],
            [
                [
                    p.isoformat(),
                    "—" if avg is None else f"{avg:.2f}",
                    n,
                    "—" if happy is None else f"{happy}%",
                ]
                for p, avg, n, happy in rows
            ],
            "Per " + f.by,
        ),
        Table(
            ["Day", "Score", "From", "Comment"],
            [[r.day.isoformat(), r.score, r.source, r.comment] for r in comments],
            f"Latest comments (at most {COMMENTS_SHOWN})",
        ),
    ]


COMMENTS_SHOWN = 20


REPORTS = {
    r.slug: r
    for r in (
        Report(
            "attainment",
            "SLA attainment",
            "First responses and updates within target, breaches (also those never answered) "
            "and times to first response by priority.",
            _sla,
        ),
        Report("backlog", "Backlog", "Open cases by status and age, and how the backlog moved.", _backlog),
        Report(
            "volume",
            "Volume",
            "Cases opened, resolved and reopened, by channel, platform and organisation.",
            _volume,
        ),
        Report(
            "agents",
            "Agents and teams",
            "Cases resolved, public replies, median first-response and resolution times, and open load now.",
            _agents,
        ),
        Report(
            "satisfaction",
            "Satisfaction",
            "Scores and comments from chat and case-closure ratings.",
            _satisfaction,
        ),
        Report(
            "incidents",
            "Master cases and maintenance",
            "Incidents per platform, time to resolution, maintenance hours and uptime per month.",
            _incidents,
        ),
    )
}


def _csv_safe(value: Any) -> Any:
    # A name opened in a spreadsheet must not run as a formula.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def csv_for(report: Report, tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.head)
        writer.writerows([[_csv_safe(v) for v in row] for row in table.rows])
    return out.getvalue()
