"""The SLA sweeps over a million open cases, of which 100 are due.

Run: .venv/bin/python bench/bench_sweeps.py [--cases N] [--due D] [--database-url URL] [--reuse]

Uses its own PostgreSQL database (casedesk_bench_sweeps, created when missing). Loads N open
cases whose alert, hold and no-response times lie in the future, then makes D of each kind
due (with their opening on the timeline, as real cases have). Reports, per sweep:
- the time and plan of the indexed query that finds what is due (what grows with the table
  if anything does), and its query count with no work due;
- the time to process the D due cases (each is locked, its clocks recomputed, its notices
  written to the outbox), and per case.
Also the business-calendar operations per second (add and measure on the standard calendar).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_lists import ensure_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casedesk_bench_sweeps"


def load(n: int, due: int) -> float:
    from django.db import connection

    from casedesk.accounts.models import Contact, User
    from casedesk.site import demo

    demo.seed()
    contact = Contact.objects.get(email="dana@acme.example.com")
    tech = User.objects.get(email="theo@support.example.com")
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE cases_case RESTART IDENTITY CASCADE")
        cur.execute(
            """
            INSERT INTO cases_case (organisation_id, contact_id, title, description, priority, status,
                channel, assignee_id, needs_triage, vendor, vendor_ticket, shipping_carrier,
                tracking_number, resolution, opened_at, updated_at, next_due_at, next_alert_at,
                auto_close_at, on_hold_until, sla_paused, escalation_level)
            SELECT %(org)s, %(contact)s, 'Case ' || g, '', 'P3',
                CASE WHEN g %% 10 = 0 THEN 'on_hold' ELSE 'in_progress' END,
                'portal', %(tech)s, false, '', '', '', '', '',
                now() - interval '1 day', now(), now() + interval '1 day' + g * interval '1 second',
                now() + interval '1 day' + g * interval '1 second',
                CASE WHEN g %% 7 = 0 THEN now() + interval '2 days' + g * interval '1 second' END,
                CASE WHEN g %% 10 = 0 THEN now() + interval '3 days' + g * interval '1 second' END,
                false, 0
            FROM generate_series(1, %(n)s) AS g
            """,
            {"org": contact.organisation_id, "contact": contact.pk, "tech": tech.pk, "n": n},
        )
        cur.execute("ANALYZE cases_case")
    seconds = time.perf_counter() - started
    make_due(due)
    return seconds


def make_due(due: int) -> None:
    """D cases due on each sweep, with the opening event a real case has."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM mail_outboundmessage")
        cur.execute("DELETE FROM cases_caseevent")
        # Put back what an earlier run's sweeps changed on the picked rows (ids equal g).
        cur.execute(
            """
            UPDATE cases_case SET
                status = CASE WHEN id %% 10 = 0 THEN 'on_hold' ELSE 'in_progress' END,
                next_alert_at = now() + interval '1 day' + id * interval '1 second',
                next_due_at = now() + interval '1 day' + id * interval '1 second',
                auto_close_at = CASE WHEN id %% 7 = 0
                                     THEN now() + interval '2 days' + id * interval '1 second' END,
                on_hold_until = CASE WHEN id %% 10 = 0
                                     THEN now() + interval '3 days' + id * interval '1 second' END,
                closed_at = NULL, alerted_through = NULL
            WHERE id %% 1000 = 1
            """,
            [],
        )
        cur.execute(
            """
            WITH picked AS (SELECT id, row_number() OVER (ORDER BY id) AS r FROM cases_case
                            WHERE id %% 1000 = 1 ORDER BY id LIMIT %(three)s)
            UPDATE cases_case c SET
                next_alert_at = CASE WHEN p.r <= %(d)s THEN now() - interval '1 minute'
                                     ELSE c.next_alert_at END,
                status = CASE WHEN p.r > %(d)s AND p.r <= 2 * %(d)s THEN 'on_hold' ELSE c.status END,
                on_hold_until = CASE WHEN p.r > %(d)s AND p.r <= 2 * %(d)s THEN now() - interval '1 minute'
                                     ELSE c.on_hold_until END,
                auto_close_at = CASE WHEN p.r > 2 * %(d)s THEN now() - interval '1 minute'
                                     ELSE c.auto_close_at END,
                opened_at = now() - interval '3 days'
            FROM picked p WHERE c.id = p.id
            """,
            {"d": due, "three": 3 * due},
        )
        cur.execute(
            """
            INSERT INTO cases_caseevent (case_id, at, actor_kind, kind, public, asks_customer, body, changes)
            SELECT id, opened_at, 'customer', 'created', true, false, '', '{"priority": [null, "P3"]}'::jsonb
            FROM cases_case WHERE id %% 1000 = 1 AND id <= %(limit)s
            """,
            {"limit": 3 * due * 1000},
        )
        cur.execute(
            """
            INSERT INTO cases_caseevent (case_id, at, actor_kind, kind, public, asks_customer, body, changes)
            SELECT id, opened_at + interval '1 hour', 'staff', 'comment', true, true,
                   'Please send a trace', '{}'
            FROM cases_case WHERE auto_close_at < now()
            """
        )


def timed(fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from casedesk.cases.models import Case
    from casedesk.escalation import sweeps
    from casedesk.rules import calendar as cal

    if args.reuse and Case.objects.count() >= args.cases:
        make_due(args.due)
        print(f"Reusing {Case.objects.count():,} cases.")
    else:
        seconds = load(args.cases, args.due)
        print(f"Loaded {args.cases:,} open cases in {seconds:.1f} s.")

    now = timezone.now()
    rows = []
    plans: list[tuple[str, str]] = []
    for name, field, where in (
        ("sla_alerts", "next_alert_at", sweeps.OPEN_Q),
        ("wake_on_hold", "on_hold_until", sweeps.Q(status="on_hold")),
        ("close_no_response", "auto_close_at", sweeps.OPEN_Q),
    ):
        times = []
        for _ in range(20):
            ms, found = timed(sweeps._due, field, now, where)
            times.append(ms)
        with CaptureQueriesContext(connection) as ctx:
            sweeps._due(field, now - timedelta(days=30), where)
        fn = getattr(sweeps, name)
        ms_all, done = timed(fn, now)
        ms_again, again = timed(fn, now)
        rows.append(
            (
                name,
                len(found),
                statistics.median(times),
                len(ctx.captured_queries),
                ms_all,
                done,
                ms_again,
                again,
            )
        )
        plan = Case.objects.filter(where, **{f"{field}__lte": now}).order_by(field, "id")[:500]
        plans.append((name, plan.values("id").explain(analyze=True)))
    for name, text in plans:
        print(f"\n{name}: the query that finds what is due\n{text}")
    print()
    print(
        "| sweep | due found | find query median ms | queries when nothing is due "
        "| process all due ms | per case ms | done | second run ms (done) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, found, find_ms, queries, ms_all, done, ms_again, again in rows:
        per = ms_all / done if done else 0.0
        print(
            f"| {name} | {found} | {find_ms:.2f} | {queries} | {ms_all:.0f} | {per:.1f} | {done} "
            f"| {ms_again:.1f} ({again}) |"
        )

    standard = cal.standard()
    start = timezone.now()
    n = 50_000
    started = time.perf_counter()
    for i in range(n):
        standard.add(start + timedelta(minutes=i), timedelta(hours=(i % 18) + 1))
    adds = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(n):
        standard.measure(start, start + timedelta(minutes=i * 7))
    measures = n / (time.perf_counter() - started)
    print(f"\nCalendar: add {adds:,.0f} ops/s, measure {measures:,.0f} ops/s")


if __name__ == "__main__":
    main()
