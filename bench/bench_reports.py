"""The reports at scale, on PostgreSQL: median server time of every console report for a
90-day range over a generated history, the time to rebuild the summary tables from it,
and what their upkeep costs a case action.

Run: .venv/bin/python bench/bench_reports.py [--cases N] [--reuse] [--database-url URL]
     [--runs 20] [--force]

Loads N cases with bench_lists.py's generator (three years of cases, ids and opening
times rising together), then their history with one INSERT ... SELECT each: the opening,
the pick-up (New -> In Progress) of every case that left New, a first public reply for
each of those, the closure of every closed case, and first-response breaches for about
one case in twelve. `rebuild_reports` then folds the history into the summaries, timed.

Each report is requested in-process through django.test.Client as the manager
marcus@support.example.com, for the 90 days to today, unfiltered and filtered.

The upkeep is not on a case action's path: the action writes its history entry and
commits; the reports' sweep folds entries in later under its own lock. Its cost per
action is measured as the time the sweep takes per entry folded (run after a burst of
real comments through the actions), beside the action's own time.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_lists import (
    case_count,
    ensure_database,
    load_unless_reused,
    million_case_parser,
    setup_django,
)

MANAGER = "marcus@support.example.com"
TARGET_MS = 100.0
UPKEEP_TARGET_MS = 1.0

HISTORY_SQL = [
    # The opening.
    """
    INSERT INTO cases_caseevent (case_id, at, actor_kind, kind, public, asks_customer, body, changes)
    SELECT id, opened_at, 'customer', 'created', true, false, '',
           jsonb_build_object('priority', jsonb_build_array(NULL, priority))
    FROM cases_case
    """,
    # Picked up: every case that left New.
    """
    INSERT INTO cases_caseevent
        (case_id, at, actor_id, actor_kind, kind, public, asks_customer, body, changes)
    SELECT id, opened_at + interval '2 minutes', assignee_id, 'staff', 'status', true, false, '',
           '{"status": ["new", "in_progress"]}'::jsonb
    FROM cases_case WHERE status <> 'new'
    """,
    # The first public reply, minutes to hours after the opening.
    """
    INSERT INTO cases_caseevent
        (case_id, at, actor_id, actor_kind, kind, public, asks_customer, body, changes)
    SELECT id, least(opened_at + (3 + 600 * random() * random()) * interval '1 minute', updated_at),
           assignee_id, 'staff', 'comment', true, false, 'Looking into it.', '{}'::jsonb
    FROM cases_case WHERE status <> 'new'
    """,
    # The closure.
    """
    INSERT INTO cases_caseevent
        (case_id, at, actor_id, actor_kind, kind, public, asks_customer, body, changes)
    SELECT id, closed_at, assignee_id, 'staff', 'status', true, false, '',
           jsonb_build_object('status', jsonb_build_array('in_progress', status))
    FROM cases_case WHERE closed_at IS NOT NULL
    """,
    # Late first responses (breaches), one case in twelve.
    """
    INSERT INTO sla_breach (case_id, clock, priority, team_id, due, until, late, ongoing)
    SELECT id, 'first_response', priority, team_id, opened_at + interval '1 hour',
           opened_at + interval '3 hours', interval '2 hours', status = 'new'
    FROM cases_case WHERE mod(id, 12) = 0
    """,
]


def load_history() -> dict[str, float]:
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE cases_caseevent, sla_breach RESTART IDENTITY CASCADE")
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in HISTORY_SQL:
            cur.execute(statement)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_caseevent")
        cur.execute("ANALYZE sla_breach")
        cur.execute("SELECT count(*) FROM cases_caseevent")
        events = cur.fetchone()[0]
    return {"history": time.perf_counter() - t0, "events": events}


def rebuild() -> float:
    from django.db import connection

    from casedesk.reporting import upkeep

    t0 = time.perf_counter()
    upkeep.rebuild(batch=20_000)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) reporting_dayfigure")
        cur.execute("VACUUM (ANALYZE) reporting_casefact")
    return time.perf_counter() - t0


def table_sizes() -> list[tuple[str, int]]:
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for table in (
            "cases_case",
            "cases_caseevent",
            "sla_breach",
            "reporting_casefact",
            "reporting_dayfigure",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            out.append((table, cur.fetchone()[0]))
    return out


def scenarios() -> list[tuple[str, str]]:
    from django.utils import timezone

    from casedesk.accounts.models import Organisation, Platform, Team

    end = timezone.localdate()
    start = end - timedelta(days=89)
    span = f"start={start}&end={end}"
    org = Organisation.objects.order_by("pk").first()
    platform = Platform.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    r = "/console/reports"
    return [
        ("SLA attainment per day", f"{r}/attainment/?{span}"),
        ("SLA attainment per week, one platform", f"{r}/attainment/?{span}&by=week&platform={platform.pk}"),
        (
            "SLA attainment, one organisation, P2",
            f"{r}/attainment/?{span}&organisation={org.account_number}&priority=P2",
        ),
        ("Backlog by status and age, trend", f"{r}/backlog/?{span}"),
        ("Backlog, one team", f"{r}/backlog/?{span}&team={team.pk}"),
        ("Volume per day", f"{r}/volume/?{span}"),
        ("Volume, channel phone", f"{r}/volume/?{span}&channel=phone"),
        ("Agents and teams", f"{r}/agents/?{span}"),
        ("Master cases and maintenance", f"{r}/incidents/?{span}"),
        ("Satisfaction", f"{r}/satisfaction/?{span}"),
        ("SLA attainment CSV", f"{r}/attainment/?{span}&format=csv"),
    ]


def measure(client: Any, path: str, runs: int, warmups: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        client.get(path)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}.")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    ordered = sorted(samples)
    return statistics.median(samples), ordered[int(0.95 * (len(ordered) - 1))], len(captured.captured_queries)


def upkeep_cost(n: int = 300) -> dict[str, float]:
    """Public replies through the real action, each timed; then the sweep folding them."""
    from casedesk.accounts.models import User
    from casedesk.cases import actions
    from casedesk.cases.models import Case
    from casedesk.reporting import upkeep

    upkeep.advance(batch=20_000)  # caught up first
    tech = User.objects.get(email="theo@support.example.com")
    cases = list(Case.objects.filter(status="in_progress", team__members=tech).order_by("-id")[:n])
    took = []
    for case in cases:
        t0 = time.perf_counter()
        actions.add_comment(case, by=tech, body="Checked the trunk again.")
        took.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    folded = upkeep.advance(batch=20_000)
    sweep_ms = (time.perf_counter() - t0) * 1000
    return {
        "actions": len(took),
        "action_median_ms": statistics.median(took) if took else 0.0,
        "folded": folded,
        "sweep_ms": sweep_ms,
        "per_entry_ms": sweep_ms / folded if folded else 0.0,
    }


def main() -> None:
    parser = million_case_parser(__doc__ or "", "unused")
    parser.set_defaults(runs=20)
    args = parser.parse_args()
    name = ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.test import Client

    from casedesk.accounts.models import User

    loaded = load_unless_reused(args, name)
    from casedesk.reporting.models import DayFigure

    if loaded or not DayFigure.objects.exists():
        print("Loading the history...")
        h = load_history()
        print(f"  {h['events']:,} history entries in {h['history']:.1f}s")
        print("Rebuilding the summaries (rebuild_reports)...")
        seconds = rebuild()
        print(f"  rebuilt in {seconds:.1f}s ({h['events'] / seconds:,.0f} entries/s)")
    for table, rows in table_sizes():
        print(f"  {table:<22} {rows:>12,} rows")
    client = Client()
    client.force_login(User.objects.get(email=MANAGER))
    print(f"\n{case_count():,} cases; each report for the 90 days to today, {args.runs} runs:\n")
    print(f"{'report':<44} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    worst = 0.0
    for label, path in scenarios():
        median, p95, queries = measure(client, path, args.runs, args.warmups)
        worst = max(worst, median)
        print(f"{label:<44} {median:>10.1f} {p95:>8.1f} {queries:>8}")
    print(f"\nslowest median {worst:.1f} ms (target {TARGET_MS:.0f} ms)")
    cost = upkeep_cost()
    print(
        f"\nupkeep: {cost['actions']} public replies through the action, "
        f"median {cost['action_median_ms']:.2f} ms "
        f"each, of which the summaries take 0 ms (not on the action's path); the sweep then folded "
        f"{cost['folded']} entries in {cost['sweep_ms']:.1f} ms = {cost['per_entry_ms']:.3f} ms per entry "
        f"(target {UPKEEP_TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
