"""Server time and SQL query count of the case lists (portal) and queues (console) at scale.

Run: .venv/bin/python bench/bench_lists.py [--cases N] [--reuse] [--database-url URL] [--explain]
     [--strict]   (exit 1 when a page misses a target)

Uses its own PostgreSQL database (created when missing), migrates it, seeds the demo
organisations, contacts, staff, teams and platforms, then loads N cases in one set-based
INSERT ... SELECT generate_series. The mix is that of a busy desk: about 5% of cases open,
most of them recent, a tail of old ones still open; new cases partly awaiting triage;
assignees and teams among the demo staff; a next deadline on open cases.

Each page is requested in-process through django.test.Client as a logged-in demo user
(the MPOC dana@acme.example.com for the portal, the technician theo@support.example.com
for the console): warm-ups first, then timed requests; median and p95 of the server time,
and the number of SQL queries at the default page size and at four times it (the count must
not grow with the page). Pages over the time target get the EXPLAIN ANALYZE of their list
query printed (--explain prints it for every page).
"""

from __future__ import annotations

import argparse
import math
import os
import platform as pyplatform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

# Run as a script from anywhere: the project root holds the casedesk and config packages.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casedesk_bench"
MPOC_EMAIL = "dana@acme.example.com"
TECH_EMAIL = "theo@support.example.com"
TARGET_MS = 30.0
TARGET_QUERIES = 10

# Open and closed statuses with cumulative shares (rules.lifecycle.Status values).
OPEN_MIX = [
    ("new", 0.20),
    ("in_progress", 0.62),
    ("on_hold", 0.74),
    ("shipping", 0.79),
    ("resolved_follow_up", 0.94),
    ("customer_reopened", 1.0),
]
CLOSED_MIX = [("closed", 0.86), ("closed_no_response", 0.96), ("duplicate", 1.0)]
ORG_SHARES = [0.5, 0.8, 1.0]  # cumulative: Acme 50%, Blue Ridge 30%, Cedar Valley 20%
TITLES = [
    "Voicemail light stuck on",
    "Presence shows offline for several users",
    "Intermittent drops when transferring calls",
    "Replacement desk phone needed",
    "Call recordings missing",
    "Hunt group skips an agent",
    "Inbound calls fail for the main number",
    "Fax to email not delivering",
    "New auto-attendant greeting",
    "One-way audio on outbound calls",
    "Teams calls cannot reach the PSTN",
    "Queue statistics report is empty",
    "Circuit down at the branch office",
    "Webex meeting invites bounce",
    "Add a user to the call queue",
    "Porting request for new numbers",
]


# --- database -------------------------------------------------------------------------------


def ensure_database(url: str) -> str:
    """Create the database named in `url` when missing; return its name."""
    params = conninfo_to_dict(url)
    name = str(params.get("dbname") or "")
    if not name:
        raise SystemExit(f"No database name in {url!r}.")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    return name


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # the rate limits' store without Redis


def case_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        return int(cur.fetchone()[0])


# --- loading --------------------------------------------------------------------------------


@dataclass
class Lookups:
    """Ids of the demo rows the generated cases point at, as arrays for the INSERT."""

    org_ids: list[int] = field(default_factory=list)
    combo_start: list[int] = field(default_factory=list)  # per organisation, 1-based
    combo_count: list[int] = field(default_factory=list)
    combo_contact: list[int] = field(default_factory=list)  # per (contact, platform) pair
    combo_user: list[int] = field(default_factory=list)
    combo_platform: list[int] = field(default_factory=list)
    combo_team_pos: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    team_assignees: list[int] = field(default_factory=list)  # three per team


def lookups() -> Lookups:
    from casedesk.accounts.models import Organisation, Team, User
    from casedesk.site import demo

    out = Lookups()
    teams = list(Team.objects.order_by("slug"))
    team_pos = {team.pk: index for index, team in enumerate(teams, start=1)}
    out.team_ids = [team.pk for team in teams]
    staff = {user.email.split("@")[0]: user.pk for user in User.objects.filter(is_staff=True)}
    # Each team's cases go to its members; teams with none share the technicians.
    pool = [staff["theo"], staff["mina"], staff["marcus"]]
    for team in teams:
        members = [pk for pk in team.members.order_by("pk").values_list("pk", flat=True) if pk in pool]
        picks = (members * 3)[:3] if members else pool
        out.team_assignees.extend(picks)

    for _, account, *_rest in demo.ORGANISATIONS:
        org = Organisation.objects.get(account_number=account)
        out.org_ids.append(org.pk)
        out.combo_start.append(len(out.combo_contact) + 1)
        platforms = list(org.platforms.order_by("pk"))
        mpocs = [c for c in org.mpocs() if c.user_id]
        for contact in mpocs:
            for plat in platforms:
                out.combo_contact.append(contact.pk)
                out.combo_user.append(contact.user_id)
                out.combo_platform.append(plat.pk)
                out.combo_team_pos.append(team_pos[plat.team_id])
        out.combo_count.append(len(mpocs) * len(platforms))
    return out


def _cumulative_case(column: str, mix: list[tuple[str, float]]) -> str:
    arms = " ".join(f"WHEN {column} < {share} THEN '{value}'" for value, share in mix[:-1])
    return f"CASE {arms} ELSE '{mix[-1][0]}' END"


# Stage by stage, each draws its random numbers once per row (subqueries with volatile
# functions are never flattened), and rows keep generate_series order: ids and opened_at
# rise together as they do in production.
INSERT_SQL = f"""
INSERT INTO cases_case (
    id, organisation_id, contact_id, platform_id, title, description, priority, status, channel,
    team_id, assignee_id, needs_triage, vendor, vendor_ticket, etr, on_hold_until,
    shipping_carrier, tracking_number, resolution, duplicate_of_id, follow_up_of_id,
    created_by_id, opened_at, updated_at, closed_at, next_due_at /*extra_columns*/
)
SELECT
    %(first_id)s + v.i,
    (%(org_ids)s::bigint[])[v.org],
    (%(combo_contact)s::bigint[])[v.combo],
    (%(combo_platform)s::bigint[])[v.combo],
    (%(titles)s::text[])[1 + floor(v.r_title * cardinality(%(titles)s::text[]))::int],
    'Reported by the customer. Case generated for the list benchmark.',
    CASE WHEN v.triage THEN 'P4' WHEN v.r_prio < 0.02 THEN 'P1' WHEN v.r_prio < 0.12 THEN 'P2'
         WHEN v.r_prio < 0.57 THEN 'P3' ELSE 'P4' END,
    v.status,
    CASE WHEN v.r_channel < 0.40 THEN 'portal' WHEN v.r_channel < 0.65 THEN 'email'
         WHEN v.r_channel < 0.90 THEN 'phone' WHEN v.r_channel < 0.97 THEN 'chat' ELSE 'api' END,
    (%(team_ids)s::bigint[])[v.team_pos],
    CASE WHEN v.triage OR v.r_assign < 0.12 THEN NULL
         ELSE (%(team_assignees)s::bigint[])[
             (v.team_pos - 1) * 3 + 1 + least(2, floor((v.r_assign - 0.12) / 0.88 * 3)::int)]
    END,
    v.triage,
    '', '', NULL,
    v.hold_until,
    CASE WHEN v.status = 'shipping' THEN 'UPS' ELSE '' END,
    CASE WHEN v.status = 'shipping' THEN '1Z' || lpad(v.i::text, 16, '0') ELSE '' END,
    CASE WHEN v.is_open THEN '' ELSE 'Resolved with the customer.' END,
    NULL, NULL,
    (%(combo_user)s::bigint[])[v.combo],
    v.opened_at,
    v.updated_at,
    CASE WHEN v.is_open THEN NULL ELSE v.updated_at END,
    CASE WHEN NOT v.is_open OR v.r_nodue < 0.04 THEN NULL
         WHEN v.status = 'on_hold' THEN v.hold_until
         WHEN v.status = 'shipping' THEN %(now)s + (1 + 4 * v.r_due) * interval '1 day'
         WHEN v.status = 'resolved_follow_up' THEN v.updated_at + interval '2 days'
         ELSE v.opened_at + (1 + 71 * v.r_due) * interval '1 hour'
    END /*extra_values*/
FROM (
    SELECT u.*,
        (u.status = 'new' AND u.r_triage < 0.7) AS triage,
        (%(combo_team_pos)s::int[])[u.combo] AS team_pos,
        CASE WHEN u.status = 'on_hold' THEN %(now)s + u.r_due * interval '14 days' END AS hold_until,
        CASE WHEN u.is_open THEN u.opened_at + u.r_span * (%(now)s - u.opened_at)
             ELSE least(u.opened_at + u.r_span * u.r_span * interval '14 days', %(now)s)
        END AS updated_at
    FROM (
        SELECT t.*,
            (%(combo_start)s::int[])[t.org]
                + floor(t.r_combo * (%(combo_count)s::int[])[t.org])::int AS combo,
            CASE WHEN t.is_open THEN {_cumulative_case("t.r_status", OPEN_MIX)}
                 ELSE {_cumulative_case("t.r_status", CLOSED_MIX)} END AS status
        FROM (
            SELECT s.*,
                %(start)s + s.pos * %(span)s AS opened_at,
                CASE WHEN s.r_org < {ORG_SHARES[0]} THEN 1 WHEN s.r_org < {ORG_SHARES[1]} THEN 2
                     ELSE 3 END AS org,
                -- Open odds fall with age (most open cases are weeks old) over a 1%% floor
                -- of old cases still open (on hold, waiting on a carrier...).
                s.r_open < 0.9 * exp(-(1 - s.pos) / 0.045) + 0.01 AS is_open
            FROM (
                SELECT g.i, g.i::float8 / %(n)s AS pos,
                    random() AS r_org, random() AS r_open, random() AS r_status,
                    random() AS r_triage, random() AS r_prio, random() AS r_assign,
                    random() AS r_combo, random() AS r_title, random() AS r_channel,
                    random() AS r_due, random() AS r_nodue, random() AS r_span
                FROM generate_series(1, %(n)s) AS g(i)
            ) AS s
        ) AS t
    ) AS u
) AS v
"""


# Zero values for required columns the INSERT does not name: columns added later with a
# default (counters, flags) load as that zero.
ZEROS = {
    "boolean": "false",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "text": "''",
    "character varying": "''",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "%(now)s",
}


def insert_sql(cur: Any) -> str:
    named = set(re.findall(r"\w+", INSERT_SQL.split("SELECT", 1)[0].split("(", 1)[1]))
    cur.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'cases_case'
          AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'
        ORDER BY ordinal_position
        """
    )
    extra = [(name, kind) for name, kind in cur.fetchall() if name not in named]
    unknown = [f"{name} ({kind})" for name, kind in extra if kind not in ZEROS]
    if unknown:
        raise SystemExit(f"No value to load for required case columns: {', '.join(unknown)}.")
    columns = "".join(f", {name}" for name, _ in extra)
    values = "".join(f", {ZEROS[kind]}" for _, kind in extra)
    return INSERT_SQL.replace("/*extra_columns*/", columns).replace("/*extra_values*/", values)


def load(n_cases: int) -> dict[str, float]:
    """Empty the case tables, seed the demo data, bring the cases up to `n_cases`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from casedesk.site import demo

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # CASCADE empties whatever refers to cases too (timeline, attachments, outbox...).
        cur.execute("TRUNCATE cases_case RESTART IDENTITY CASCADE")
    demo.seed()
    timings["seed"] = time.perf_counter() - t0

    ids = lookups()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0), count(*) FROM cases_case")
        first_id, existing = cur.fetchone()
    n = max(0, n_cases - existing)
    now = timezone.now().replace(microsecond=0)
    span = timedelta(days=3 * 365)
    params: dict[str, Any] = {
        **ids.__dict__,
        "first_id": first_id,
        "n": n,
        "now": now,
        "start": now - span,
        "span": span - timedelta(hours=1),
        "titles": TITLES,
    }

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        # Secondary indexes are dropped and rebuilt in the same transaction (DDL is
        # transactional: a failed load leaves the schema as it was); building an index
        # once is far cheaper than maintaining it row by row.
        cur.execute(
            """
            SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = current_schema() AND tablename = 'cases_case'
              AND indexname NOT IN (
                  SELECT conname FROM pg_constraint WHERE conrelid = 'cases_case'::regclass)
            """
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        # Every id comes from the demo rows just read: skip the per-row foreign-key checks
        # (a superuser may; anyone else pays for the checks).
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SELECT setseed(0.42)")  # the same mix on every load
        cur.execute(insert_sql(cur), params)
        timings["insert"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        timings["indexes"] = time.perf_counter() - t1
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
        )
    timings["load"] = time.perf_counter() - t0
    timings["rows"] = n

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # A production table is vacuumed: hint bits set, visibility map current.
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("ANALYZE")
    timings["vacuum"] = time.perf_counter() - t0
    return timings


def describe_data() -> list[tuple[str, int]]:
    from django.db import connection

    from casedesk.cases.models import OPEN_VALUES

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE status = ANY(%(open)s)),
                   count(*) FILTER (WHERE status = ANY(%(open)s) AND needs_triage),
                   count(*) FILTER (WHERE status = ANY(%(open)s) AND assignee_id = %(theo)s),
                   count(*) FILTER (WHERE status = ANY(%(open)s) AND team_id IN (
                       SELECT team_id FROM accounts_team_members WHERE user_id = %(theo)s)),
                   count(*) FILTER (WHERE organisation_id = %(acme)s),
                   count(*) FILTER (WHERE organisation_id = %(acme)s AND status = ANY(%(open)s))
            FROM cases_case
            """,
            {"open": OPEN_VALUES, "theo": _user(TECH_EMAIL).pk, "acme": _contact_org(MPOC_EMAIL)},
        )
        row = cur.fetchone()
    labels = [
        "cases",
        "open",
        "open, needs triage",
        "open, assigned to Theo",
        "open, Theo's teams",
        "Acme's cases",
        "Acme's open cases",
    ]
    return list(zip(labels, (int(v) for v in row), strict=True))


def _user(email: str) -> Any:
    from casedesk.accounts.models import User

    return User.objects.get(email=email)


def _contact_org(email: str) -> int:
    from casedesk.accounts.models import Contact

    return int(Contact.objects.get(user__email=email).organisation_id)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    who: str
    path: str
    rows: int
    has_next: bool
    samples: list[float]
    cpu: list[float]
    queries: int
    queries_big: int
    sql_ms: float
    list_sql: str

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def ok(self) -> bool:
        return self.median <= TARGET_MS and max(self.queries, self.queries_big) <= TARGET_QUERIES


def _get(client: Any, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}.")
    return response


def measure(client: Any, label: str, who: str, path: str, runs: int, warmups: int) -> Result:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    for _ in range(warmups):
        _get(client, path)
    samples, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        _get(client, path)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)

    sql_times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, path)
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    queries = captured.captured_queries
    bigger = override_settings(CASEDESK_PAGE_SIZE=settings.CASEDESK_PAGE_SIZE * 4)
    with bigger, CaptureQueriesContext(connection) as big:
        _get(client, path)

    html = response.content.decode()
    link = f"/cases/{settings.CASEDESK_CASE_PREFIX}-"
    list_sql = next(
        (q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"] and "LIMIT" in q["sql"]), ""
    )
    return Result(
        label=label,
        who=who,
        path=path,
        rows=html.count(link),
        has_next="Next →" in html,
        samples=samples,
        cpu=cpu,
        queries=len(queries),
        queries_big=len(big.captured_queries),
        sql_ms=statistics.median(sql_times),
        list_sql=list_sql,
    )


def explain(statement: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return "\n".join(row[0] for row in cur.fetchall())


def scenarios(deep: int) -> list[tuple[str, str, str]]:
    out = [
        ("Portal, all cases", "mpoc", "/portal/?state=all"),
        (f"Portal, all cases, page {deep}", "mpoc", f"/portal/?state=all&page={deep}"),
        ("Portal, open cases", "mpoc", "/portal/?state=open"),
        (f"Portal, open cases, page {deep}", "mpoc", f"/portal/?state=open&page={deep}"),
    ]
    for name, title in [("open", "all open"), ("triage", "triage"), ("mine", "mine"), ("team", "my team")]:
        out.append((f"Console queue, {title}", "tech", f"/console/queue/{name}/"))
        out.append((f"Console queue, {title}, page {deep}", "tech", f"/console/queue/{name}/?page={deep}"))
    return out


# --- reporting ------------------------------------------------------------------------------


def print_table(results: list[Result], page_size: int) -> None:
    head = (
        f"{'page':<34} {'rows':>4} {'next':>4} {'queries':>7} {f'@{page_size * 4}':>5} "
        f"{'median':>8} {'p95':>8} {'app CPU':>8} {'SQL':>7}  ok"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.label:<34} {r.rows:>4} {'yes' if r.has_next else 'no':>4} {r.queries:>7} "
            f"{r.queries_big:>5} {r.median:>6.1f}ms {r.p95:>6.1f}ms {statistics.median(r.cpu):>6.1f}ms "
            f"{r.sql_ms:>5.1f}ms  {'yes' if r.ok else 'NO'}"
        )
    print(
        "\nmedian, p95: server time per request; app CPU: the Django process's CPU time (median);"
        "\nSQL: time spent in SQL queries (median of 5 requests); @N: queries at N rows a page."
    )


def print_markdown(results: list[Result], n_cases: int, page_size: int, runs: int, setting: str) -> None:
    print(
        f"| Page ({n_cases:,} cases, {page_size} rows a page) | Path | SQL queries "
        f"({page_size} / {page_size * 4} rows) | Median ms | p95 ms | App CPU ms | Within target |"
    )
    print("|---|---|---|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r.label} | `{r.path}` | {r.queries} / {r.queries_big} | {r.median:.1f} | {r.p95:.1f} | "
            f"{statistics.median(r.cpu):.1f} | {'yes' if r.ok else '**no**'} |"
        )
    print(
        f"\nServer time of {runs} in-process requests (django.test.Client) after warm-ups; "
        f"targets: median <= {TARGET_MS:.0f} ms, <= {TARGET_QUERIES} queries whatever the page size. "
        f"{setting}"
    )


def million_case_parser(doc: str, explain_help: str) -> argparse.ArgumentParser:
    """The options every bench over the generated million cases takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="skip loading when the db has enough cases")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help=explain_help)
    parser.add_argument(
        "--force", action="store_true", help="allow emptying a database whose name lacks 'bench'"
    )
    return parser


def load_unless_reused(args: argparse.Namespace, name: str) -> bool:
    """Loads `args.cases` cases unless `--reuse` finds enough; True when it loaded."""
    have = case_count()
    if args.reuse and have >= args.cases:
        print(f"Reusing {have:,} cases (--reuse).")
        return False
    if "bench" not in name and not args.force:
        raise SystemExit(f"Refusing to empty the cases of {name!r}: pass --force if it is meant.")
    print(f"Loading {args.cases:,} cases...")
    t = load(args.cases)
    print(f"  cases loaded in {t['load']:.1f}s")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="skip loading when the db has enough cases")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--deep-page", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print every list query's plan")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses a target")
    parser.add_argument(
        "--force", action="store_true", help="allow emptying a database whose name lacks 'bench'"
    )
    args = parser.parse_args()

    name = ensure_database(args.database_url)
    t0 = time.perf_counter()
    setup_django(args.database_url)
    print(f"Database {name}: migrated in {time.perf_counter() - t0:.1f}s")

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    have = case_count()
    if args.reuse and have >= args.cases:
        print(f"Reusing {have:,} cases (--reuse).")
    else:
        if "bench" not in name and not args.force:
            raise SystemExit(f"Refusing to empty the cases of {name!r}: pass --force if it is meant.")
        print(f"Loading {args.cases:,} cases (the database had {have:,})...")
        t = load(args.cases)
        rate = t["rows"] / t["load"] if t["load"] else 0.0
        print(
            f"  demo seed {t['seed']:.1f}s; insert {t['insert']:.1f}s; indexes {t['indexes']:.1f}s; "
            f"load {t['load']:.1f}s for {int(t['rows']):,} rows = {rate:,.0f} rows/s; "
            f"vacuum+analyze {t['vacuum']:.1f}s"
        )
        print(f"  total {t['seed'] + t['load'] + t['vacuum']:.1f}s")

    with connection.cursor() as cur:
        cur.execute("SELECT version(), pg_size_pretty(pg_total_relation_size('cases_case'))")
        version, size = cur.fetchone()
    setting = f"{version.split(' on ')[0]}, {os.cpu_count()} CPUs, Python {pyplatform.python_version()}."
    print(f"\n{setting} cases_case with its indexes: {size}.")
    for label, value in describe_data():
        print(f"  {label:<24} {value:>10,}")

    clients = {}
    for who, email in [("mpoc", MPOC_EMAIL), ("tech", TECH_EMAIL)]:
        client = Client()
        client.force_login(_user(email))
        clients[who] = client

    page_size = settings.CASEDESK_PAGE_SIZE
    results = []
    load1, load5, _ = os.getloadavg()
    print(f"\nLoad average before measuring: {load1:.2f} (1 min), {load5:.2f} (5 min)")
    print(f"\n{args.runs} timed requests after {args.warmups} warm-ups; dana = MPOC, theo = technician\n")
    for label, who, path in scenarios(args.deep_page):
        results.append(measure(clients[who], label, who, path, args.runs, args.warmups))
    print_table(results, page_size)
    # The same stack (session, user, middleware, base template) with no list: the floor.
    floor = measure(clients["tech"], "No list", "tech", "/console/contacts/", args.runs, args.warmups)
    load1, load5, _ = os.getloadavg()
    print(
        f"Floor, a page with no list ({floor.path}): median {floor.median:.1f} ms, "
        f"app CPU {statistics.median(floor.cpu):.1f} ms, {floor.queries} queries."
        f"\nLoad average after measuring: {load1:.2f} (1 min), {load5:.2f} (5 min)"
    )

    for r in results:
        if (args.explain or r.median > TARGET_MS) and r.list_sql:
            print(f"\n== {r.label} ({r.path}): median {r.median:.1f} ms\n{r.list_sql}\n")
            print(explain(r.list_sql))

    print("\nMarkdown for the README:\n")
    print_markdown(results, case_count(), page_size, args.runs, setting)
    if args.strict and not all(r.ok for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
