"""Console queues with filters, the organisation type-ahead and bulk actions at scale, on
PostgreSQL: median and p95 server time of the queue page under filter combinations (status,
priority, organisation, team, assignee, opened range, sorted columns, a saved view), and the
time of a bulk change to 100 cases through the real actions.

Run: .venv/bin/python bench/bench_queues.py [--cases N] [--reuse] [--database-url URL]
     [--runs 30] [--explain] [--strict] [--force]

Loads N cases the way bench_lists.py does (its generator), then 10,000 more organisations
(the filter must not list them all), one of which gets 200 of the cases (20 of them open),
so a small organisation is filtered too. Pages are requested in-process through
django.test.Client as the technician theo@support.example.com. Each bulk change is one POST
to the queue's bulk form, as the page sends it, with 100 of Theo's team's open cases.
"""

from __future__ import annotations

import os
import platform as pyplatform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_lists import (
    TECH_EMAIL,
    case_count,
    ensure_database,
    explain,
    load_unless_reused,
    measure,
    million_case_parser,
    setup_django,
)

TARGET_MS = 30.0
TARGET_QUERIES = 10
BULK_TARGET_S = 2.0
EXTRA_ORGANISATIONS = 10_000
SMALL_ORG = "Juniper Hollow Veterinary 04711"


def add_organisations() -> None:
    """10,000 organisations more (once), and a small one's share of the cases."""
    from django.db import connection

    from casedesk.accounts.models import Organisation

    if Organisation.objects.count() < EXTRA_ORGANISATIONS:
        t0 = time.perf_counter()
        Organisation.objects.bulk_create(
            [
                Organisation(name=f"Juniper Hollow Veterinary {i:05d}", account_number=f"JHV-{i:05d}")
                for i in range(EXTRA_ORGANISATIONS)
            ],
            batch_size=2000,
        )
        small = Organisation.objects.get(name=SMALL_ORG)
        with connection.cursor() as cur:
            # 180 closed and 20 open cases move to the small organisation.
            cur.execute(
                """
                UPDATE cases_case SET organisation_id = %s WHERE id IN (
                    (SELECT id FROM cases_case WHERE status IN ('closed', 'duplicate') ORDER BY id LIMIT 180)
                    UNION ALL
                    (SELECT id FROM cases_case WHERE status = 'in_progress' ORDER BY id DESC LIMIT 20))
                """,
                [small.pk],
            )
            cur.execute("ANALYZE accounts_organisation")
            cur.execute("ANALYZE cases_case")
        print(f"  {EXTRA_ORGANISATIONS:,} organisations added in {time.perf_counter() - t0:.1f}s")


def scenarios(theo: Any, team_id: int, view_path: str) -> list[tuple[str, str]]:
    from django.utils import timezone

    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    q = "/console/queue"
    return [
        ("All open, no filter", f"{q}/open/"),
        ("All open, status In-Progress", f"{q}/open/?status=in_progress"),
        ("All open, priority 1", f"{q}/open/?priority=P1"),
        ("All open, organisation by name (half the cases)", f"{q}/open/?organisation=Acme+Dental+Group"),
        ("All open, organisation by account number", f"{q}/open/?organisation=CVS-3003"),
        (
            "All open, a small organisation (of 10,003)",
            f"{q}/open/?organisation={SMALL_ORG.replace(' ', '+')}",
        ),
        ("All open, team", f"{q}/open/?team={team_id}"),
        ("All open, assignee", f"{q}/open/?assignee={theo.pk}"),
        ("All open, opened in the last 7 days", f"{q}/open/?opened_from={week_ago}"),
        ("All open, sorted by priority", f"{q}/open/?sort=priority"),
        ("All open, sorted by last update, newest", f"{q}/open/?sort=-updated"),
        ("All open, sorted by opened", f"{q}/open/?sort=opened"),
        ("All open, sorted by status", f"{q}/open/?sort=status"),
        (
            "All open, status + priority + team, by update",
            f"{q}/open/?status=in_progress&priority=P2&team={team_id}&sort=-updated",
        ),
        (
            "My team, priority 3, opened in 30 days, page 5",
            f"{q}/team/?priority=P3&opened_from={month_ago}&page=5",
        ),
        ("Mine, sorted by number, newest", f"{q}/mine/?sort=-number"),
        ("Triage, platform", f"{q}/triage/?platform=hosted-voice"),
        ("Closed, organisation + status Duplicate", f"{q}/closed/?organisation=BRL-2002&status=duplicate"),
        ("Closed, opened in the last 30 days", f"{q}/closed/?opened_from={month_ago}"),
        ("All cases, priority 1, channel phone", f"{q}/all/?priority=P1&channel=phone"),
        ("A saved view (team, P2, by update)", view_path),
        ("Organisation type-ahead (10,003 organisations)", "/console/organisations/suggest/?q=hollow+vet"),
    ]


def bulk_runs(client: Any, theo: Any, team_id: int) -> list[tuple[str, int, float, int, int]]:
    """Each bulk change on 100 of the team's open In-Progress cases, through the page's form."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casedesk.cases.models import Case

    ids = list(
        Case.objects.filter(team_id=team_id, status="in_progress")
        .order_by("-id")
        .values_list("id", flat=True)[:301]
    )
    numbers = [Case(pk=pk).number for pk in ids]
    with connection.cursor() as cur:
        # A real case's history starts with its opening, which the actions replay.
        cur.execute(
            """
            INSERT INTO cases_caseevent (case_id, at, actor_kind, kind, public, asks_customer, body, changes)
            SELECT c.id, c.opened_at, 'customer', 'created', true, false, '',
                   jsonb_build_object('priority', jsonb_build_array(NULL, c.priority))
            FROM cases_case c WHERE c.id = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id)
            """,
            [ids],
        )
    marcus = type(theo).objects.get(email="marcus@support.example.com")
    # A warm-up of one case: the process reads the calendars' holidays once, as a running
    # server has long done.
    client.post("/console/queue/team/bulk/", {"change": "priority", "priority": "P3", "cases": numbers[300:]})
    runs = [
        ("Assign 100 cases", numbers[:100], {"change": "assign", "assignee": str(marcus.pk)}),
        ("Set priority of 100 cases", numbers[100:200], {"change": "priority", "priority": "P2"}),
        (
            "Resolve 100 cases (status, with resolution)",
            numbers[200:300],
            {"change": "status", "to": "resolved_follow_up", "resolution": "Fixed by the carrier."},
        ),
    ]
    out = []
    for label, chosen, data in runs:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.post("/console/queue/team/bulk/", {**data, "cases": chosen, "query": ""})
            took = time.perf_counter() - t0
        if response.status_code != 302:
            raise SystemExit(f"bulk {label}: {response.status_code}")
        done = Case.objects.filter(pk__in=[int(n.split("-")[1]) for n in chosen])
        if data["change"] == "assign":
            changed = done.filter(assignee=marcus).count()
        elif data["change"] == "priority":
            changed = done.filter(priority="P2").count()
        else:
            changed = done.filter(status="resolved_follow_up").count()
        out.append((label, len(chosen), took, changed, len(captured.captured_queries)))
    return out


def main() -> None:
    parser = million_case_parser(__doc__, "print every list query's plan")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses a target")
    parser.add_argument("--no-bulk", action="store_true", help="pages only (bulk changes write)")
    args = parser.parse_args()

    name = ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    from casedesk.accounts.models import Team, User
    from casedesk.workbench import saved_views

    load_unless_reused(args, name)
    add_organisations()

    theo = User.objects.get(email=TECH_EMAIL)
    team = Team.objects.filter(members=theo).order_by("pk").first()
    assert team is not None, "Theo is in no team"
    view = saved_views.save_view(
        theo,
        name="Team P2 by update",
        queue="open",
        query=f"team={team.pk}&priority=P2&sort=-updated",
        team=team,
    )
    view_path = f"/console/queue/{view.queue}/?{view.query}"

    with connection.cursor() as cur:
        cur.execute("SELECT version(), (SELECT count(*) FROM accounts_organisation)")
        version, orgs = cur.fetchone()
    setting = f"{version.split(' on ')[0]}, {os.cpu_count()} CPUs, Python {pyplatform.python_version()}"
    print(f"\n{setting}. {case_count():,} cases, {orgs:,} organisations.")
    load1, _, _ = os.getloadavg()
    print(f"Load average before measuring: {load1:.2f}")

    client = Client()
    client.force_login(theo)
    results = [
        measure(client, label, "tech", path, args.runs, args.warmups)
        for label, path in scenarios(theo, team.pk, view_path)
    ]
    targets = f"median <= {TARGET_MS:.0f} ms, <= {TARGET_QUERIES} queries"
    print(f"\n{args.runs} timed requests after {args.warmups} warm-ups; targets: {targets}\n")
    print("| queue page | rows | queries (25 / 100 rows) | median ms | p95 ms | app CPU ms | SQL ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.label} | {r.rows} | {r.queries} / {r.queries_big} | {r.median:.1f} | {r.p95:.1f} | "
            f"{statistics.median(r.cpu):.1f} | {r.sql_ms:.1f} |"
        )
    # The same stack (session, user, middleware, base template) with no list: the floor.
    floor = measure(client, "No list", "tech", "/console/contacts/", args.runs, args.warmups)
    print(
        f"\nFloor, a page with no list ({floor.path}): median {floor.median:.1f} ms, "
        f"app CPU {statistics.median(floor.cpu):.1f} ms, {floor.queries} queries."
    )
    print(f"\nmedian of medians: {statistics.median(r.median for r in results):.1f} ms")
    for r in results:
        if (args.explain or r.median > TARGET_MS) and r.list_sql:
            print(f"\n== {r.label} ({r.path}): median {r.median:.1f} ms\n{r.list_sql}\n")
            print(explain(r.list_sql))
    ok = all(r.median <= TARGET_MS and max(r.queries, r.queries_big) <= TARGET_QUERIES for r in results)

    if not args.no_bulk:
        print("\n| bulk change | cases | seconds | changed | queries |\n|---|---:|---:|---:|---:|")
        for label, n, took, changed, queries in bulk_runs(client, theo, team.pk):
            print(f"| {label} | {n} | {took:.2f} | {changed} | {queries} |")
            ok = ok and took < BULK_TARGET_S and changed == n
    load1, _, _ = os.getloadavg()
    print(f"\nLoad average after measuring: {load1:.2f}")
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
