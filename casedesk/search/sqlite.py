"""The embedded engine: an FTS5 table (`search_case_fts`, rowid = case id) with bm25 over
weighted columns and snippet(); partial case numbers by LIKE on the id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from casedesk.search.text import MARK_END, MARK_START, Scope, fts5_query, number_condition

# bm25 column weights: title, description, public comments, organisation and contact.
WEIGHTS = "10.0, 4.0, 1.0, 0.5"
CHUNK = 500  # ids per statement, far below SQLite's variable limit

SOURCE = """
    SELECT c.id, c.title, c.description,
        coalesce((SELECT group_concat(body, ' ') FROM (
            SELECT e.body FROM cases_caseevent e
            WHERE e.case_id = c.id AND e.public AND e.body <> '' AND e.kind <> 'created'
            ORDER BY e.at, e.id)), ''),
        o.name || ' ' || p.name || ' ' || p.email || ' ' || p.phone || ' ' || p.mobile || ' '
            || replace(p.phone_e164, '+', '') || ' ' || replace(p.mobile_e164, '+', '') || ' '
            || {digits}
    FROM cases_case c
    JOIN accounts_organisation o ON o.id = c.organisation_id
    JOIN accounts_contact p ON p.id = c.contact_id
    WHERE {where}"""
# The contact's number as digits only, as it is often typed ("7205550188").
DIGITS = "p.phone"
for _ch in "()-. +":
    DIGITS = f"replace({DIGITS}, '{_ch}', '')"


def _write(where: str, params: list[Any], *, document: bool = True) -> None:
    # Two statements whatever the number of cases: FTS5 replaces a row of the same rowid.
    # `document`: the case's row of organisation too (not when only comments were added).
    with connection.cursor() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO search_case_fts (rowid, title, description, comments, people) "
            + SOURCE.format(where=where, digits=DIGITS),
            params,
        )
        if not document:
            return
        cur.execute(
            f"""INSERT INTO search_casedocument (case_id, organisation_id)
            SELECT c.id, c.organisation_id FROM cases_case c WHERE {where}
            ON CONFLICT (case_id) DO UPDATE SET organisation_id = excluded.organisation_id""",
            params,
        )


def refresh(case_ids: Sequence[int], *, comments_only: bool = False) -> None:
    ids = list(case_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _write(f"c.id IN ({', '.join(['%s'] * len(chunk))})", chunk, document=not comments_only)


def refresh_range(low: int, high: int) -> None:
    _write("c.id BETWEEN %s AND %s", [low, high])


def _scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    sql, params = "", []
    if scope.organisation_id is not None:
        sql += " AND d.organisation_id = %s"
        params.append(scope.organisation_id)
    if scope.within is not None:
        sub, sub_params = scope.within
        sql += f" AND d.case_id IN ({sub})"
        params.extend(sub_params)
    return sql, params


def matches(text: str, number: str, scope: Scope, limit: int, offset: int) -> list[tuple[int, float]]:
    where, params = _scope_sql(scope)
    query = fts5_query(text)
    parts: list[str] = []
    args: list[Any] = []
    if query:
        # bm25() works only on the FTS5 table itself: the scope is a subquery, not a join. The
        # documents are asked always: a database flush (Django's) leaves FTS5 rows behind.
        scoped = f" AND rowid IN (SELECT d.case_id FROM search_casedocument d WHERE 1 = 1{where})"
        parts.append(
            f"""SELECT rowid AS case_id, -bm25(search_case_fts, {WEIGHTS}) AS rank
            FROM search_case_fts WHERE search_case_fts MATCH %s{scoped}"""
        )
        args += [query, *params]
    if number:
        condition, number_args = number_condition(number, "CAST(d.case_id AS TEXT)")
        parts.append(
            f"""SELECT d.case_id, CASE WHEN d.case_id = %s THEN 2000.0 ELSE 1000.0 END AS rank
                FROM search_casedocument d
            WHERE {condition}{where}"""
        )
        args += [int(number), *number_args, *params]
    if not parts:
        return []
    # Materialized, so that SQLite does not fold bm25() into the grouping, where it cannot run.
    sql = f"""WITH found AS MATERIALIZED ({" UNION ALL ".join(parts)})
        SELECT case_id, max(rank) AS best FROM found
        GROUP BY case_id ORDER BY best DESC, case_id DESC LIMIT %s OFFSET %s"""
    with connection.cursor() as cur:
        cur.execute(sql, [*args, limit, offset])
        return [(row[0], float(row[1])) for row in cur.fetchall()]


def corrected(text: str) -> str:
    return ""  # typo matching needs pg_trgm; the embedded engine matches stems only


def snippets(text: str, case_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    query = fts5_query(text)
    if not query or not case_ids:
        return {}
    marks = ", ".join(["%s"] * len(case_ids))
    # One fragment from the description and one from the comments; the one with a match is
    # shown (snippet() of every column would often pick the title, shown already).
    sql = f"""SELECT rowid, highlight(search_case_fts, 0, %s, %s),
            snippet(search_case_fts, 1, %s, %s, ' … ', 24), snippet(search_case_fts, 2, %s, %s, ' … ', 24)
        FROM search_case_fts WHERE search_case_fts MATCH %s AND rowid IN ({marks})"""
    marks_args = [MARK_START, MARK_END] * 3
    with connection.cursor() as cur:
        cur.execute(sql, [*marks_args, query, *case_ids])
        return {
            row[0]: (row[1], next((f for f in (row[2], row[3]) if MARK_START in f), row[2] or row[3]))
            for row in cur.fetchall()
        }
