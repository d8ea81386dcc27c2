"""casedesk's side of bench_side.py: the set-based load and the measured workloads.

Loaded on a fresh database (the demo seed first: staff, teams, platforms, the three demo
organisations with their contacts), all with INSERT ... SELECT generate_series:
- 10,000 organisations more, each on one of the demo platforms, with 5 contacts each
  (50,000), each contact with its portal account;
- N cases with bench_lists.py's generator (its mix of statuses, priorities, channels,
  about 5% open, most of them recent), except that the organisation is drawn over all
  10,003: Acme 5%, Blue Ridge 3%, Cedar Valley 2%, the rest evenly over the 10,000;
- each case's history, written in case order: the opening; for every case that left New
  its pick-up (New -> In Progress) and a first public reply by its assignee; for one case
  in two a customer comment (bench_search.py's sentences); the closure of every closed case;
  and first-response breaches for one case in twelve;
- the search index by the product's own `index.rebuild`, and the report summaries by
  the product's own fold (`reporting.upkeep.advance`) over the history of the cases opened
  in the last `report_days` days (folding all of it takes about 19 min at 1,000,000 cases,
  see bench_reports.py; the reports measured here read the last 90 days).
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from typing import Any

from bench_lists import TITLES, Lookups, insert_sql
from bench_search import SENTENCES

ORGS = 10_000
CONTACTS_PER_ORG = 5
DEMO_SHARES = (0.05, 0.08, 0.10)  # cumulative: Acme, Blue Ridge, Cedar Valley; the rest generated


def _defaults(model: Any, given: set[str]) -> tuple[list[str], list[Any]]:
    """Columns the INSERT does not name, with the model's defaults as parameters."""
    from django.db import connection
    from django.utils import timezone

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = f.get_db_prep_save(timezone.now(), connection)
        elif f.has_default() or not f.null:
            value = f.get_db_prep_save(f.get_default(), connection)  # "" for a text without one
        else:
            value = None
        if value is None and not f.null:
            raise SystemExit(f"No value to load for {model.__name__}.{f.name}.")
        columns.append(f.column)
        values.append(value)
    return columns, values


def insert_select(model: Any, exprs: dict[str, str], rest: str, params: dict[str, Any]) -> int:
    """INSERT INTO model's table (exprs' columns + defaulted ones) SELECT exprs... rest."""
    from django.db import connection

    extra, values = _defaults(model, set(exprs))
    params = {**params, **{f"_d{i}": v for i, v in enumerate(values)}}
    cols = ", ".join([*exprs, *extra])
    sel = ", ".join([*exprs.values(), *(f"%(_d{i})s" for i in range(len(extra)))])
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {model._meta.db_table} ({cols}) SELECT {sel} {rest}", params)
        return cur.rowcount


def load_people() -> None:
    """10,000 organisations, 50,000 contacts with their accounts, their platforms."""
    from django.db import connection

    from casedesk.accounts.models import Contact, Organisation, Platform, User

    platforms = list(Platform.objects.order_by("pk").values_list("pk", flat=True))
    insert_select(
        Organisation,
        {"name": "'Customer ' || lpad(g::text, 5, '0')", "account_number": "'GEN-' || lpad(g::text, 5, '0')"},
        "FROM generate_series(1, %(n)s) AS g",
        {"n": ORGS},
    )
    insert_select(
        User,
        {
            "email": "'c' || g || '@customer' || ((g - 1) / %(per)s + 1) || '.example.net'",
            "username": "'c' || g || '@customer' || ((g - 1) / %(per)s + 1) || '.example.net'",
            "password": "'!'",
            "first_name": "'Contact'",
            "last_name": "g::text",
            "is_staff": "false",
            "is_active": "true",
            "is_superuser": "false",
            "date_joined": "now()",
        },
        "FROM generate_series(1, %(n)s) AS g",
        {"n": ORGS * CONTACTS_PER_ORG, "per": CONTACTS_PER_ORG},
    )
    insert_select(
        Contact,
        {
            "organisation_id": "o.id",
            "user_id": "u.id",
            "name": "'Contact ' || u.last_name",
            "email": "u.email",
            "is_primary_mpoc": "(u.last_name::int - 1) %% %(per)s = 0",
            "is_secondary_mpoc": "(u.last_name::int - 1) %% %(per)s = 1",
        },
        """FROM accounts_user u JOIN accounts_organisation o
             ON o.account_number = 'GEN-' || lpad(((u.last_name::int - 1) / %(per)s + 1)::text, 5, '0')
           WHERE u.email LIKE '%%.example.net' AND u.first_name = 'Contact'""",
        {"per": CONTACTS_PER_ORG},
    )
    with connection.cursor() as cur:
        through = Organisation.platforms.through._meta.db_table
        cur.execute(
            f"""INSERT INTO {through} (organisation_id, platform_id)
                SELECT id, (%(p)s::bigint[])[1 + id %% cardinality(%(p)s::bigint[])]
                FROM accounts_organisation WHERE account_number LIKE 'GEN-%%'""",
            {"p": platforms},
        )
        cur.execute("ANALYZE")


def lookups() -> Lookups:
    """bench_lists' arrays, over the demo organisations' MPOCs and every generated contact."""
    import bench_lists
    from django.db import connection

    out = bench_lists.lookups()  # the demo organisations, staff and teams
    team_pos = {pk: i for i, pk in enumerate(out.team_ids, start=1)}
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT o.id, c.id, c.user_id, p.id, p.team_id
            FROM accounts_organisation o
            JOIN accounts_contact c ON c.organisation_id = o.id
            JOIN accounts_organisation_platforms op ON op.organisation_id = o.id
            JOIN accounts_platform p ON p.id = op.platform_id
            WHERE o.account_number LIKE 'GEN-%%'
            ORDER BY o.id, c.id, p.id
            """
        )
        last = None
        for org, contact, user, platform, team in cur.fetchall():
            if org != last:
                out.org_ids.append(org)
                out.combo_start.append(len(out.combo_contact) + 1)
                out.combo_count.append(0)
                last = org
            out.combo_contact.append(contact)
            out.combo_user.append(user)
            out.combo_platform.append(platform)
            out.combo_team_pos.append(team_pos[team])
            out.combo_count[-1] += 1
    return out


def cases_sql(cur: Any, n_orgs: int) -> str:
    a, b, c = DEMO_SHARES
    org = (
        f"CASE WHEN s.r_org < {a} THEN 1 WHEN s.r_org < {b} THEN 2 WHEN s.r_org < {c} THEN 3 "
        f"ELSE 4 + least({n_orgs - 4}, floor((s.r_org - {c}) / {1 - c} * {n_orgs - 3})::int) END AS org"
    )
    text, count = re.subn(r"CASE WHEN s\.r_org .*? END AS org", org, insert_sql(cur), flags=re.S)
    if count != 1:
        raise SystemExit("bench_lists' INSERT no longer draws the organisation as expected.")
    return text


# One row per entry, in case order (the LATERAL list follows the table's order, which is the
# cases' id order), so a case's entries are numbered together and recent cases last.
HISTORY_SQL = """
INSERT INTO cases_caseevent (case_id, at, actor_id, contact_id, actor_kind, kind, public,
                             asks_customer, body, changes, sender_verified)
SELECT c.id, e.at, e.actor, e.contact, e.actor_kind, e.kind, true, false, e.body, e.changes, NULL
FROM cases_case c CROSS JOIN LATERAL (VALUES
    (1, c.opened_at, NULL::bigint, c.contact_id, 'customer', 'created', c.description,
     jsonb_build_object('priority', jsonb_build_array(NULL, c.priority))),
    (2, c.opened_at + interval '2 minutes', c.assignee_id, NULL, 'staff', 'status', '',
     '{"status": ["new", "in_progress"]}'::jsonb),
    (3, least(c.opened_at + (3 + (c.id * 7907) %% 600) * interval '1 minute', c.updated_at),
     c.assignee_id, NULL, 'staff', 'comment', 'Looking into it.', '{}'::jsonb),
    (4, least(c.opened_at + interval '11 hours', c.updated_at), NULL, c.contact_id, 'customer',
     'comment', (%(sentences)s::text[])[1 + (c.id * 7919) %% cardinality(%(sentences)s::text[])],
     '{}'::jsonb),
    (5, c.closed_at, c.assignee_id, NULL, 'staff', 'status', '',
     jsonb_build_object('status', jsonb_build_array('in_progress', c.status)))
) AS e(n, at, actor, contact, actor_kind, kind, body, changes)
WHERE c.id > %(first_id)s
  AND ((e.n = 1) OR (e.n IN (2, 3) AND c.status <> 'new') OR (e.n = 4 AND c.id %% 2 = 0)
       OR (e.n = 5 AND c.closed_at IS NOT NULL))
"""

BREACHES_SQL = """
INSERT INTO sla_breach (case_id, clock, priority, team_id, due, until, late, ongoing)
SELECT id, 'first_response', priority, team_id, opened_at + interval '1 hour',
       opened_at + interval '3 hours', interval '2 hours', status = 'new'
FROM cases_case WHERE mod(id, 12) = 0 AND id > %(first_id)s
"""


def load(n_cases: int, report_days: int, say: Any = print) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from casedesk.reporting import upkeep
    from casedesk.reporting.models import Watermark
    from casedesk.search import index
    from casedesk.site import demo

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    demo.seed()
    load_people()
    t["people"] = time.perf_counter() - t0
    say(f"  casedesk: seed, {ORGS:,} organisations, {ORGS * CONTACTS_PER_ORG:,} contacts: {t['people']:.1f}s")

    ids = lookups()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0), count(*) FROM cases_case")  # the demo's own cases
        first_id, existing = cur.fetchone()
    now = timezone.now().replace(microsecond=0)
    span = timedelta(days=3 * 365)
    params: dict[str, Any] = {
        **ids.__dict__,
        "first_id": first_id,
        "n": max(0, n_cases - existing),
        "now": now,
        "start": now - span,
        "span": span - timedelta(hours=1),
        "titles": TITLES,
    }
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """SELECT indexname, indexdef FROM pg_indexes
               WHERE schemaname = current_schema() AND tablename IN ('cases_case', 'cases_caseevent')
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)"""
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET LOCAL session_replication_role = replica")  # ids all come from the seed
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SELECT setseed(0.42)")
        cur.execute(cases_sql(cur, len(ids.org_ids)), params)
        t["cases"] = time.perf_counter() - t0
        say(f"  casedesk: {n_cases:,} cases in {t['cases']:.1f}s")
        t1 = time.perf_counter()
        # The demo's own cases (ids up to first_id) have their history already.
        cur.execute(HISTORY_SQL, {"sentences": SENTENCES, "first_id": first_id})
        events = cur.rowcount
        cur.execute(BREACHES_SQL, {"first_id": first_id})
        t["history"] = time.perf_counter() - t1
        say(f"  casedesk: {events:,} history entries in {t['history']:.1f}s")
        t1 = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        for table in ("cases_case", "cases_caseevent", "sla_breach"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        t["indexes"] = time.perf_counter() - t1
        say(f"  casedesk: indexes rebuilt in {t['indexes']:.1f}s")
    t["events"] = events
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("VACUUM (ANALYZE) cases_caseevent")
        cur.execute("ANALYZE")

    t0 = time.perf_counter()
    index.rebuild(batch=50_000)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) search_casedocument")
    t["search"] = time.perf_counter() - t0
    say(f"  casedesk: search index built in {t['search']:.1f}s")

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """SELECT coalesce(min(e.id), 1) - 1 FROM cases_caseevent e
               WHERE e.case_id = (SELECT min(id) FROM cases_case WHERE opened_at >= %s AND id > %s)""",
            [now - timedelta(days=report_days), first_id],  # the demo's cases are recent and numbered first
        )
        mark = cur.fetchone()[0]
    Watermark.objects.update_or_create(name=upkeep.MARK, defaults={"last_event": mark})
    folded = upkeep.advance(batch=20_000)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) reporting_dayfigure")
        cur.execute("VACUUM (ANALYZE) reporting_casefact")
    t["reports"] = time.perf_counter() - t0
    say(f"  casedesk: report summaries from {folded:,} entries ({report_days} days) in {t['reports']:.1f}s")
    return t


# --- measuring ------------------------------------------------------------------------------


def _stats(samples: list[float], queries: int) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "median": statistics.median(samples),
        "p95": ordered[max(0, -(-95 * len(ordered) // 100) - 1)],
        "queries": queries,
        "n": len(samples),
    }


def timed(fn: Any, runs: int, warmups: int, budget_s: float) -> dict[str, Any]:
    """fn() returns nothing useful; runs it warmups + up to runs times (at least 3 within
    budget_s), and once more counting its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The first request is a warm-up; one slower than the whole
    # budget is the only sample (the peer's slowest pages take minutes at a million).
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        fn()
        first = (time.perf_counter() - t0) * 1000
    queries = len(captured.captured_queries)
    if first > budget_s * 1000:
        return {**_stats([first], queries), "cold": True}
    for _ in range(warmups - 1):
        fn()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < runs and (len(samples) < 3 or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        fn()
    return _stats(samples, len(captured.captured_queries))


def get(client: Any, path: str, **extra: Any) -> Any:
    def fn() -> None:
        response = client.get(path, **extra)
        if response.status_code != 200:
            raise SystemExit(f"casedesk: GET {path} answered {response.status_code}.")

    return fn


def workloads(runs: int, warmups: int, budget_s: float) -> dict[str, dict[str, Any]]:
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from casedesk.accounts.models import Contact, User
    from casedesk.api.models import ApiToken, digest
    from casedesk.cases.models import OPEN_VALUES, Case
    from casedesk.escalation import sweeps

    theo = User.objects.get(email="theo@support.example.com")
    dana = User.objects.get(email="dana@acme.example.com")
    marcus = User.objects.get(email="marcus@support.example.com")
    clients = {}
    for who, user in (("theo", theo), ("dana", dana), ("marcus", marcus)):
        clients[who] = Client()
        clients[who].force_login(user)

    case = Case.objects.filter(status="in_progress", team__members=theo, id__gt=0).order_by("-id").first()
    assert case is not None
    number = case.number
    end = timezone.localdate()
    span = f"start={end - timedelta(days=89)}&end={end}"
    out: dict[str, dict[str, Any]] = {}
    out["agent queue"] = timed(get(clients["theo"], "/console/queue/team/"), runs, warmups, budget_s)
    out["customer case list"] = timed(get(clients["dana"], "/portal/?state=all"), runs, warmups, budget_s)
    out["case detail"] = timed(get(clients["theo"], f"/console/cases/{number}/"), runs, warmups, budget_s)
    out["SLA report"] = timed(
        get(clients["marcus"], f"/console/reports/attainment/?{span}"), runs, warmups, budget_s
    )
    out["search"] = timed(get(clients["theo"], "/console/search/?q=voicemail"), runs, warmups, budget_s)

    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=theo, key_digest=digest(raw), prefix=raw[:12], created_at=timezone.now())
    contact = Contact.objects.filter(organisation__account_number="GEN-00042").order_by("pk").first()
    assert contact is not None
    api = Client()
    body = json.dumps(
        {
            "title": "Calls drop after 30 seconds",
            "description": "Every outbound call from the branch drops after about thirty seconds.",
            "contact_id": contact.pk,
            "priority": "P3",
        }
    )

    def create() -> None:
        response = api.post(
            "/api/v1/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        if response.status_code != 201:
            raise SystemExit(
                f"casedesk: POST /api/v1/cases answered {response.status_code}: {response.content!r}"
            )

    out["case creation (API)"] = timed(create, runs, warmups, budget_s)

    # The sweep: 100 open, assigned cases made due for their SLA alert, drawn at random (a
    # case alerted by an earlier run of the bench has nothing left to send at its stage); the
    # sweep is run once a draw (a second run would find nothing), its queries counted.
    samples, queries = [], 0
    for _ in range(3):
        now = timezone.now()
        with connection.cursor() as cur:
            cur.execute(
                """UPDATE cases_case SET next_alert_at = %(due)s, alerted_through = NULL
                   WHERE id IN (SELECT id FROM cases_case WHERE status = ANY(%(open)s)
                                AND assignee_id IS NOT NULL AND status <> 'on_hold'
                                ORDER BY random() LIMIT 100)""",
                {"due": now - timedelta(minutes=1), "open": OPEN_VALUES},
            )
            due = cur.rowcount
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            done = sweeps.sla_alerts(now)
            samples.append((time.perf_counter() - t0) * 1000)
        queries = len(captured.captured_queries)
    out["sweep, 100 due"] = {**_stats(samples, queries), "due": due, "sent": done}
    return out
