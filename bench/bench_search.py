"""Console and portal search at scale on PostgreSQL: median and p95 server time for a
common, a rare and an absent word, a partial case number and a typo, over every case
(the console) and within one organisation (the portal).

Run: .venv/bin/python bench/bench_search.py [--cases N] [--reuse] [--database-url URL]
     [--runs 30] [--explain] [--force]

Loads N cases the way bench_lists.py does (one set-based INSERT ... SELECT
generate_series, titles from a list of sixteen), then about one public comment for every
two cases (INSERT ... SELECT again) from a list of sentences; one case in 50,000 gets a
comment with the rare word. The search index is then built by the product's own
`index.rebuild` (the statement the case actions run, over ranges of ids). Pages are
requested in-process through django.test.Client as the technician theo@support.example.com
(console, all cases) and the MPOC dana@acme.example.com (portal, Acme's half of the cases).
"""

from __future__ import annotations

import os
import platform as pyplatform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# bench_lists.py (the same folder) loads the cases; the project root holds the packages.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_lists import (
    MPOC_EMAIL,
    TECH_EMAIL,
    Result,
    case_count,
    ensure_database,
    load_unless_reused,
    million_case_parser,
    setup_django,
)

TARGET_MS = 50.0
COMMON, RARE, ABSENT, TYPO = "voicemail", "quokka", "xylophonist", "voicemial"
SENTENCES = [
    "We restarted the phone and it registered again.",
    "The customer confirmed the issue happens every morning.",
    "Escalated to the carrier for a trace of the failing calls.",
    "Firmware updated on the handset; please test and let us know.",
    "The audio drops after about thirty seconds on transferred calls.",
    "Queue members were re-added and the greeting re-recorded.",
    "Waiting for the branch office to power-cycle the router.",
    "Number porting is scheduled with the losing carrier for Friday.",
]

COMMENTS_SQL = """
INSERT INTO cases_caseevent (case_id, at, actor_id, contact_id, actor_kind, kind, public,
                             asks_customer, body, changes)
SELECT c.id, c.opened_at + interval '1 hour', NULL, c.contact_id, 'customer', 'comment', true, false,
       CASE WHEN c.id %% 50000 = 7 THEN 'A ' || %(rare)s || ' was seen near the wiring closet.'
            ELSE (%(sentences)s::text[])[1 + (c.id * 7919) %% cardinality(%(sentences)s::text[])] END,
       '{}'::jsonb
FROM cases_case c
WHERE c.id %% 2 = 0 OR c.id %% 50000 = 7
"""


def add_comments() -> tuple[int, float]:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM cases_caseevent WHERE kind = 'comment'")
        cur.execute(COMMENTS_SQL, {"rare": RARE, "sentences": SENTENCES})
        added = cur.rowcount
        cur.execute("VACUUM (ANALYZE) cases_caseevent")
    return added, time.perf_counter() - t0


def build_index() -> float:
    from django.db import connection

    from casedesk.search import index

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE search_casedocument")
    index.rebuild(batch=50_000, progress=lambda done: print(f"  indexed {done:,} ids", end="\r"))
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) search_casedocument")
    print()
    return time.perf_counter() - t0


def _get(client: Any, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}.")
    return response


def measure(client: Any, label: str, who: str, path: str, runs: int, warmups: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        _get(client, path)
    samples, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        _get(client, path)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, path)
    html = response.content.decode()
    search_sql = next((q["sql"] for q in captured.captured_queries if "search_casedocument" in q["sql"]), "")
    return Result(
        label=label,
        who=who,
        path=path,
        rows=html.count('class="hit"'),
        has_next="Next →" in html,
        samples=samples,
        cpu=cpu,
        queries=len(captured.captured_queries),
        queries_big=len(captured.captured_queries),
        sql_ms=sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        list_sql=search_sql,
    )


def scenarios(part: str) -> list[tuple[str, str, str]]:
    out = []
    for side, who, base in (
        ("Console, all cases", "tech", "/console/search/"),
        ("Portal, one organisation", "mpoc", "/portal/search/"),
    ):
        out += [
            (f"{side}: common word ({COMMON})", who, f"{base}?q={COMMON}"),
            (f"{side}: rare word ({RARE})", who, f"{base}?q={RARE}"),
            (f"{side}: absent word ({ABSENT})", who, f"{base}?q={ABSENT}"),
            (f"{side}: two words (carrier trace)", who, f"{base}?q=carrier+trace"),
            (f"{side}: part of a number ({part})", who, f"{base}?q={part}"),
            (f"{side}: typo ({TYPO})", who, f"{base}?q={TYPO}"),
        ]
    return out


def main() -> None:
    parser = million_case_parser(__doc__, "print each search query's plan")
    args = parser.parse_args()

    name = ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    from casedesk.accounts.models import User

    if load_unless_reused(args, name):
        added, took = add_comments()
        print(f"  {added:,} comments added in {took:.1f}s")
        print(f"  search index built in {build_index():.1f}s")

    with connection.cursor() as cur:
        cur.execute(
            "SELECT version(), pg_size_pretty(pg_total_relation_size('search_casedocument')),"
            " (SELECT count(*) FROM cases_caseevent WHERE kind = 'comment')"
        )
        version, size, comments = cur.fetchone()
    n = case_count()
    setting = f"{version.split(' on ')[0]}, {os.cpu_count()} CPUs, Python {pyplatform.python_version()}"
    print(f"\n{setting}. {n:,} cases, {comments:,} comments; search index with its indexes: {size}.")

    clients = {}
    for who, email in (("mpoc", MPOC_EMAIL), ("tech", TECH_EMAIL)):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(email=email))
    part = str(n // 3)[1:5]  # four digits from the middle of a number: many cases contain them
    results = [
        measure(clients[w], label, w, path, args.runs, args.warmups) for label, w, path in scenarios(part)
    ]
    print(
        f"\n{args.runs} timed requests after {args.warmups} warm-ups; "
        f"target: median at most {TARGET_MS:.0f} ms\n"
    )
    print("| search | rows | queries | median ms | p95 ms |\n|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.label} | {r.rows} | {r.queries} | {r.median:.1f} | {r.p95:.1f} |")
    if args.explain:
        for r in results:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + r.list_sql)
                print(f"\n== {r.label}\n" + "\n".join(row[0] for row in cur.fetchall()))
    missed = [r.label for r in results if r.median > TARGET_MS]
    print(f"\nOver the target: {', '.join(missed) if missed else 'none'}.")
    print(f"Median of the medians: {statistics.median(r.median for r in results):.1f} ms")


if __name__ == "__main__":
    main()
