"""casedesk and django-helpdesk 2.6.1 side by side, on the same PostgreSQL with the same data.

Run: .venv/bin/python bench/bench_side.py [--cases 1000000] [--reuse] [--runs 20] [--budget 20]
     [--mail-messages 200] [--casedesk-url URL] [--helpdesk-url URL]

What is loaded (see side_casedesk.py for casedesk's side): 10,003 organisations, 50,000
contacts with portal accounts (plus the demo's), the demo staff and teams, N cases (about 5%
open, most of them recent, assigned among the staff and their teams) with about 4.4 history
entries each, the search index and the report summaries. Everything is set-based
(INSERT ... SELECT generate_series in casedesk, then COPY from casedesk's tables into
django-helpdesk's), so both products hold the same rows:
- a team is a helpdesk Queue (same id, name and slug); django-helpdesk has no organisations:
  a case's contact is the ticket's submitter (submitter_email), so an organisation exists
  there only as its contacts' tickets, and its customer list is a user's own tickets;
- every account (staff and customers) is an auth User with the same id and e-mail, staff
  with is_staff; assignee -> assigned_to;
- a case is a Ticket with the same id: title, description, resolution, opened -> created,
  last update -> modified, next deadline -> due_date, P1..P4 -> priority 1..4, status:
  New, In Progress, Shipping -> Open; On Hold -> Open with on_hold; Customer Reopened ->
  Reopened; Resolved (follow-up) -> Resolved; the closed ones -> Closed; Duplicate ->
  Duplicate. casedesk's open cases are therefore helpdesk's Open, Reopened and Resolved;
- every history entry is a FollowUp of its ticket (same date, author, body, public flag;
  a status change carries its new_status).

Each workload is requested in-process through django.test.Client as a logged-in user in
each product: casedesk here, django-helpdesk in its own virtualenv (var/bench-side/, made
with pip on first use) as a subprocess (bench/side_helpdesk.py) that prints JSON. Both
count the SQL queries of one request. The technician Theo (teams Cloud), the MPOC Dana of
Acme, the manager Marcus for the report. E-mail intake is bench_mail.py's comparison (its
own fresh SQLite files) run on a small sample in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import subprocess
import sys
import time
import venv
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_lists import setup_django  # noqa: E402

WORK = ROOT / "var" / "bench-side"
HELPDESK = "django-helpdesk==2.6.1"
CASEDESK_URL = "postgres://postgres@127.0.0.1:5432/casedesk_side"
HELPDESK_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_side"
RATIO_TARGET = 10.0
QUERY_TARGET = 10
QUEUE_TARGET_MS = 30.0

# Workload, casedesk's name, helpdesk's name (None: not comparable), what casedesk requests.
WORKLOADS = [
    (
        "agent queue",
        "agent queue",
        "agent queue",
        "/console/queue/team/ | ticket list (queues, open) + its datatable",
    ),
    (
        "customer case list",
        "customer case list",
        "customer case list",
        "/portal/ | my-tickets + api/user_tickets",
    ),
    ("case detail", "case detail", "case detail", "/console/cases/N/ | /tickets/N/"),
    ("SLA report", "SLA report", None, "attainment 90 days | no SLA report (its reports page: see below)"),
    ("search", "search", "search", "console search | ticket list q= + datatable"),
    (
        "case creation (API)",
        "case creation (API)",
        "case creation (API)",
        "POST /api/v1/cases | POST api/tickets/",
    ),
    ("sweep, 100 due", "sweep, 100 due", None, "sla_alerts over 100 due | no SLA sweeps"),
]


def recreate(url: str) -> None:
    name = str(conninfo_to_dict(url).get("dbname"))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure(url: str) -> None:
    name = str(conninfo_to_dict(url).get("dbname"))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def helpdesk_python() -> Path:
    env_dir = WORK / "helpdesk-venv"  # bench_mail.run_helpdesk(WORK, ...) finds it there too
    python = env_dir / "bin" / "python"
    if not python.exists():
        venv.create(env_dir, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", HELPDESK, "psycopg[binary]"], check=True)
    return python


def peer(url: str, *args: str) -> dict:
    done = subprocess.run(
        [str(helpdesk_python()), str(HERE / "side_helpdesk.py"), str(WORK / "hd"), url, *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"django-helpdesk's side failed:\n{done.stderr[-3000:]}")
    out = done.stdout
    return json.loads(out.strip().splitlines()[-1])


# --- django-helpdesk's copy ---------------------------------------------------------------

USERS_OUT = """COPY (SELECT id, '!', NULL::timestamptz, is_superuser, email, first_name, last_name, email,
    is_staff, is_active, date_joined FROM accounts_user) TO STDOUT"""
USERS_IN = """COPY auth_user (id, password, last_login, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined) FROM STDIN"""
QUEUES_OUT = """COPY (SELECT id, name, slug, 'support@example.com', false, false, false, 'none', false
    FROM accounts_team) TO STDOUT"""
QUEUES_IN = """COPY helpdesk_queue (id, title, slug, email_address, allow_public_submission,
    allow_email_submission, email_box_ssl, logging_type, enable_notifications_on_email_events) FROM STDIN"""
TICKETS_OUT = """COPY (
    SELECT c.id, left(c.title, 200), c.opened_at, c.updated_at, ct.email,
        CASE WHEN c.status IN ('new', 'in_progress', 'on_hold', 'shipping') THEN 1
             WHEN c.status = 'customer_reopened' THEN 2 WHEN c.status = 'resolved_follow_up' THEN 3
             WHEN c.status = 'duplicate' THEN 5 ELSE 4 END,
        c.status = 'on_hold', c.description, c.resolution, substr(c.priority, 2)::int, c.next_due_at,
        c.assignee_id, coalesce(c.team_id, (SELECT min(id) FROM accounts_team)),
        md5(c.id::text)::uuid::text
    FROM cases_case c LEFT JOIN accounts_contact ct ON ct.id = c.contact_id ORDER BY c.id) TO STDOUT"""
TICKETS_IN = """COPY helpdesk_ticket (id, title, created, modified, submitter_email, status, on_hold,
    description, resolution, priority, due_date, assigned_to_id, queue_id, secret_key) FROM STDIN"""
FOLLOWUPS_OUT = """COPY (
    SELECT e.id, e.at,
        CASE WHEN e.kind = 'created' THEN 'Ticket Opened'
             WHEN e.kind = 'status' THEN 'Status changed' ELSE 'Comment' END,
        e.body, e.public,
        CASE e.changes->'status'->>1 WHEN 'in_progress' THEN 1 WHEN 'customer_reopened' THEN 2
             WHEN 'resolved_follow_up' THEN 3 WHEN 'duplicate' THEN 5
             WHEN 'closed' THEN 4 WHEN 'closed_no_response' THEN 4 END,
        e.case_id, coalesce(e.actor_id, ct.user_id)
    FROM cases_caseevent e LEFT JOIN accounts_contact ct ON ct.id = e.contact_id ORDER BY e.id) TO STDOUT"""
FOLLOWUPS_IN = """COPY helpdesk_followup (id, date, title, comment, public, new_status, ticket_id, user_id)
    FROM STDIN"""


def copy_to_helpdesk(source_url: str, target_url: str) -> dict[str, float]:
    t: dict[str, float] = {}
    tables = ["auth_user", "helpdesk_queue", "helpdesk_ticket", "helpdesk_followup"]
    with psycopg.connect(source_url) as src, psycopg.connect(target_url) as dst:
        with dst.cursor() as cur:
            cur.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
            cur.execute(
                """SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
                   AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
                [tables],
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            cur.execute("SET session_replication_role = replica")  # rows copied from consistent tables
            cur.execute("SET maintenance_work_mem = '512MB'")
            for label, out, into in (
                ("users", USERS_OUT, USERS_IN),
                ("queues", QUEUES_OUT, QUEUES_IN),
                ("tickets", TICKETS_OUT, TICKETS_IN),
                ("follow-ups", FOLLOWUPS_OUT, FOLLOWUPS_IN),
            ):
                t0 = time.perf_counter()
                with src.cursor().copy(out) as reader, cur.copy(into) as writer:
                    for block in reader:
                        writer.write(block)
                t[label] = time.perf_counter() - t0
                print(f"  helpdesk: {label} copied in {t[label]:.1f}s", flush=True)
            t0 = time.perf_counter()
            for _, definition in indexes:
                cur.execute(definition)
            for table in tables:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            t["indexes"] = time.perf_counter() - t0
            cur.execute("SET session_replication_role = DEFAULT")
        dst.commit()
        dst.autocommit = True
        for table in tables:
            dst.execute(f"VACUUM (ANALYZE) {table}")
        dst.execute("ANALYZE")
    return t


def prewarm(url: str) -> None:
    """Read every table and index of the database into the operating system's cache
    (`pg_prewarm`, read mode), for both products alike: the sweep and the case pages read
    rows at random, and pages the kernel had reclaimed since the load made them disk-bound
    (the sweep took 650-1,900 ms cold against 110-230 ms warm)."""
    name = url.rsplit("/", 1)[-1]
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            t0 = time.perf_counter()
            blocks = conn.execute(
                """SELECT coalesce(sum(pg_prewarm(c.oid::regclass, 'read')), 0) FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm')"""
            ).fetchone()[0]
        print(
            f"  {name}: {blocks * 8 / 1024:,.0f} MB read into the cache in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
    except psycopg.Error as exc:
        print(f"  {name}: not prewarmed ({exc.__class__.__name__}: {exc})", flush=True)


def count(url: str, table: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except psycopg.Error:
        return 0


# --- the table ------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def table(ours: dict, theirs: dict, mail: dict | None) -> list[dict]:
    rows = []
    for label, key, peer_key, _what in WORKLOADS:
        a = ours[key]
        b = theirs.get(peer_key) if peer_key else None
        rows.append(
            {
                "workload": label,
                "cd": a,
                "hd": b,
                "ratio": (b["median"] / a["median"]) if b else None,
            }
        )
    if mail:
        rows.append({"workload": "e-mail intake", "mail": mail})
    return rows


def print_rows(rows: list[dict], markdown: bool) -> None:
    head = [
        "workload",
        "casedesk median ms",
        "p95 ms",
        "queries",
        "helpdesk median ms",
        "p95 ms",
        "queries",
        "ratio",
        "targets",
    ]
    lines = []
    for r in rows:
        if "mail" in r:
            m = r["mail"]
            lines.append(
                [
                    "e-mail intake (per message)",
                    f"{m['cd_ms']:.1f}",
                    "n/a",
                    f"{m['cd_statements']:.1f}",
                    f"{m['hd_ms']:.1f}",
                    "n/a",
                    "n/a",
                    f"{m['hd_ms'] / m['cd_ms']:.1f}x",
                    "ratio ok" if m["hd_ms"] / m["cd_ms"] >= RATIO_TARGET else "ratio MISSED",
                ]
            )
            continue
        a, b, ratio = r["cd"], r["hd"], r["ratio"]
        verdict = []
        if ratio is not None:
            verdict.append("ratio ok" if ratio >= RATIO_TARGET else "ratio MISSED")
        if r["workload"] not in ("case creation (API)", "sweep, 100 due"):
            verdict.append("queries ok" if a["queries"] <= QUERY_TARGET else "queries MISSED")
        if r["workload"] == "agent queue":
            verdict.append("30 ms ok" if a["median"] <= QUEUE_TARGET_MS else "30 ms MISSED")
        lines.append(
            [
                r["workload"],
                fmt(a["median"]),
                fmt(a["p95"]),
                str(a["queries"]),
                fmt(b["median"] if b else None),
                fmt(b["p95"] if b else None),
                str(b["queries"]) if b else "n/a",
                f"{ratio:.1f}x" if ratio is not None else "n/a",
                ", ".join(verdict) or "-",
            ]
        )
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|---|" + "---:|" * 7 + "---|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
        print(
            "  ".join(
                h.ljust(w) if i in (0, 8) else h.rjust(w)
                for i, (h, w) in enumerate(zip(head, widths, strict=True))
            )
        )
        for line in lines:
            print(
                "  ".join(
                    c.ljust(w) if i in (0, 8) else c.rjust(w)
                    for i, (c, w) in enumerate(zip(line, widths, strict=True))
                )
            )


def mail_sample(messages: int) -> dict | None:
    """bench_mail.py's comparison on `messages` messages, one run each (fresh SQLite files)."""
    if messages <= 0:
        return None
    import bench_mail

    folder = WORK / "messages"
    bench_mail.write_messages(folder, messages)
    ours = bench_mail.run_casedesk(WORK, folder)
    theirs = bench_mail.run_helpdesk(WORK, folder)
    per = ours["statements"]
    return {
        "cd_ms": ours["seconds"] * 1000 / ours["messages"],
        "hd_ms": theirs["seconds"] * 1000 / theirs["messages"],
        "cd_statements": (per["new"] + per["replies"]) / 2,
        "messages": messages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--casedesk-url", default=CASEDESK_URL)
    parser.add_argument("--helpdesk-url", default=HELPDESK_URL)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="skip loading when both hold --cases")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of timed runs a workload (min 3)")
    parser.add_argument(
        "--report-days", type=int, default=180, help="history folded into the report summaries"
    )
    parser.add_argument("--mail-messages", type=int, default=200, help="0 skips the e-mail intake sample")
    parser.add_argument("--load-only", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    reuse = (
        args.reuse
        and count(args.casedesk_url, "cases_case") >= args.cases
        and count(args.helpdesk_url, "helpdesk_ticket") >= args.cases
    )
    if not reuse:
        print(f"Loading {args.cases:,} cases into both products (fresh databases)...", flush=True)
        recreate(args.casedesk_url)
        recreate(args.helpdesk_url)
    else:
        ensure(args.casedesk_url)
    t0 = time.perf_counter()
    setup_django(args.casedesk_url)
    peer(args.helpdesk_url, "migrate")
    print(f"Both migrated in {time.perf_counter() - t0:.1f}s", flush=True)

    import side_casedesk

    if reuse:
        print(f"Reusing {count(args.casedesk_url, 'cases_case'):,} cases (--reuse).")
    else:
        t0 = time.perf_counter()
        side_casedesk.load(args.cases, args.report_days, say=lambda s: print(s, flush=True))
        t1 = time.perf_counter()
        copy_to_helpdesk(args.casedesk_url, args.helpdesk_url)
        print(
            f"Loaded: casedesk {t1 - t0:.0f}s, django-helpdesk's copy {time.perf_counter() - t1:.0f}s",
            flush=True,
        )
    sizes = {
        "cases": count(args.casedesk_url, "cases_case"),
        "history": count(args.casedesk_url, "cases_caseevent"),
        "organisations": count(args.casedesk_url, "accounts_organisation"),
        "contacts": count(args.casedesk_url, "accounts_contact"),
        "tickets": count(args.helpdesk_url, "helpdesk_ticket"),
        "follow-ups": count(args.helpdesk_url, "helpdesk_followup"),
        "helpdesk users": count(args.helpdesk_url, "auth_user"),
    }
    from casedesk.cases.models import OPEN_VALUES

    with psycopg.connect(args.casedesk_url) as conn:
        sizes["open cases"] = int(
            conn.execute("SELECT count(*) FROM cases_case WHERE status = ANY(%s)", [OPEN_VALUES]).fetchone()[
                0
            ]
        )
    with psycopg.connect(args.helpdesk_url) as conn:
        sizes["open tickets (Open, Reopened, Resolved)"] = int(
            conn.execute("SELECT count(*) FROM helpdesk_ticket WHERE status IN (1, 2, 3)").fetchone()[0]
        )
    for label, value in sizes.items():
        print(f"  {label:<40} {value:>12,}")
    if args.load_only:
        return

    from casedesk.accounts.models import Team, User
    from casedesk.cases.models import Case

    theo = User.objects.get(email="theo@support.example.com")
    slugs = ",".join(Team.objects.filter(members=theo).values_list("slug", flat=True))
    for url in (args.casedesk_url, args.helpdesk_url):
        prewarm(url)
    load_before = os.getloadavg()
    print(
        f"\nLoad average before measuring: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}",
        flush=True,
    )
    t0 = time.perf_counter()
    ours = side_casedesk.workloads(args.runs, args.warmups, args.budget)
    print(f"  casedesk measured in {time.perf_counter() - t0:.0f}s", flush=True)
    case = Case.objects.filter(status="in_progress", team__members=theo, id__gt=0).order_by("-id").first()
    assert case is not None
    t0 = time.perf_counter()
    theirs = peer(
        args.helpdesk_url, "measure", str(args.runs), str(args.warmups), str(args.budget), slugs, str(case.pk)
    )
    print(f"  django-helpdesk measured in {time.perf_counter() - t0:.0f}s", flush=True)
    mail = mail_sample(args.mail_messages)
    load_after = os.getloadavg()

    with psycopg.connect(args.casedesk_url) as conn:
        version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
    setting = (
        f"{sizes['cases']:,} cases ({sizes['open cases']:,} open), {sizes['history']:,} history entries, "
        f"{sizes['organisations']:,} organisations, {sizes['contacts']:,} contacts; {version}, "
        f"{os.cpu_count()} CPUs, Python {pyplatform.python_version()}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)."
    )
    rows = table(ours, theirs, mail)
    print(f"\n{setting}\n")
    print_rows(rows, markdown=False)
    with psycopg.connect(args.casedesk_url) as conn:
        team_open, acme, hits = conn.execute(
            """SELECT (SELECT count(*) FROM cases_case WHERE status = ANY(%(open)s) AND team_id IN
                           (SELECT team_id FROM accounts_team_members WHERE user_id = %(theo)s)),
                      (SELECT count(*) FROM cases_case c JOIN accounts_contact ct ON ct.id = c.contact_id
                       JOIN accounts_organisation o ON o.id = ct.organisation_id
                       WHERE o.account_number = 'ACME-1001'),
                      (SELECT count(*) FROM cases_case WHERE title ILIKE '%%voicemail%%')""",
            {"open": OPEN_VALUES, "theo": theo.pk},
        ).fetchone()
    print(
        f"\nWhat the lists hold: Theo's teams' open cases {team_open:,} (helpdesk's datatable matched "
        f"{theirs['agent queue'].get('rows', 0):,}); Acme's cases, the MPOC Dana's portal {acme:,} "
        f"(Dana's own tickets in helpdesk: {theirs['customer case list'].get('rows', 0):,}); titles with "
        f"'voicemail' {hits:,} (helpdesk's search matched {theirs['search'].get('rows', 0):,}, it also reads "
        f"descriptions and follow-ups)."
    )
    sweep = ours["sweep, 100 due"]
    print(f"Sweep: {sweep['due']} cases made due, {sweep['sent']} notices sent on the last of 3 runs.")
    cold = [k for k, v in {**ours, **theirs}.items() if isinstance(v, dict) and v.get("cold")]
    if cold:
        print(f"One request only (slower than the budget): {', '.join(cold)}.")
    report = theirs.get("reports page (not an SLA report)")
    if report:
        print(
            "\ndjango-helpdesk's reports page (counts over every ticket, no SLA): "
            f"median {report['median']:.1f} ms, p95 {report['p95']:.1f} ms, "
            f"{report['queries']} queries (not compared)."
        )
    if mail:
        print(
            f"E-mail intake: bench_mail.py on {mail['messages']} messages, one run each, "
            "SQLite (its own files)."
        )
    print(
        f"Samples per workload: up to {args.runs} after {args.warmups} warm-ups, "
        f"at most ~{args.budget:.0f}s each."
    )
    print("\nMarkdown:\n")
    print_rows(rows, markdown=True)
    print(f"\nTotal {time.perf_counter() - started:.0f}s")
    with open(WORK / "last.json", "w") as fh:
        json.dump(
            {"sizes": sizes, "casedesk": ours, "helpdesk": theirs, "mail": mail, "setting": setting}, fh
        )


if __name__ == "__main__":
    main()
