"""The PostgreSQL engine: a weighted `tsvector` per case (title A, description B, public
comments C, organisation and contact D) under a GIN index (with the organisation, by
btree_gin, for searches within one), `websearch_to_tsquery` and `ts_rank_cd`; `pg_trgm` for
typos (against the words of titles) and partial case numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection

from casedesk.core import prepared
from casedesk.search.text import MARK_END, MARK_START, Scope, number_condition, prefix_split

CONFIG = "english"
# Ranking reads each matching document; a very common word is ranked over this many of its
# matches rather than over all of them, which keeps it to a bounded cost at any size.
CANDIDATES = 1000
NUMBER_MATCHES = 50

# The ids' type is named: bound on the server, a list could otherwise arrive as numeric[],
# which the primary key's index does not serve.
BY_IDS = "c.id = ANY(%s::bigint[])"

COMMENTS = """
    LEFT JOIN LATERAL (
        SELECT left(string_agg(e.body, ' ' ORDER BY e.at, e.id), 200000) AS body
        FROM cases_caseevent e
        WHERE e.case_id = c.id AND e.public AND e.body <> '' AND e.kind <> 'created'
    ) e ON TRUE"""

VECTOR = f"""
    setweight(to_tsvector('{CONFIG}', c.title), 'A')
    || setweight(to_tsvector('{CONFIG}', c.description), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce(e.body, '')), 'C')
    || setweight(to_tsvector('{CONFIG}', concat_ws(' ', o.name, p.name, p.email, p.phone, p.mobile,
        regexp_replace(p.phone, '\\D', '', 'g'), regexp_replace(p.phone_e164, '\\D', '', 'g'),
        regexp_replace(p.mobile_e164, '\\D', '', 'g'))), 'D')"""

UPSERT = f"""
    INSERT INTO search_casedocument (case_id, organisation_id, tsv)
    SELECT c.id, c.organisation_id, {VECTOR}
    FROM cases_case c
    JOIN accounts_organisation o ON o.id = c.organisation_id
    JOIN accounts_contact p ON p.id = c.contact_id
    {COMMENTS}
    WHERE {{where}}
    ON CONFLICT (case_id) DO UPDATE
    SET organisation_id = EXCLUDED.organisation_id, tsv = EXCLUDED.tsv"""

# The words of titles, for "did you mean": a typo is matched against this short list by
# trigrams rather than against every title.
WORDS = """
    INSERT INTO search_word (word)
    SELECT DISTINCT w FROM cases_case c, unnest(tsvector_to_array(to_tsvector('simple', c.title))) AS w
    WHERE {where} AND length(w) >= 4 AND w !~ '^[0-9]+$'
    ON CONFLICT DO NOTHING"""
NEAREST = """
    SELECT word FROM search_word WHERE word %% %s ORDER BY similarity(word, %s) DESC, word LIMIT 1"""
TYPED_WORDS = re.compile(r"[^\W_]{4,}")
MAX_CORRECTED = 5

TITLE_MARKS = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
BODY_MARKS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


def refresh(case_ids: Sequence[int], *, comments_only: bool = False) -> None:
    ids = list(case_ids)
    # Prepared on the server: planning the upsert's joins cost as much as running them.
    with prepared.cursor() as cur:
        if comments_only:  # the title words are as they were
            cur.execute(UPSERT.format(where=BY_IDS), [ids])
        else:
            # One statement: the document's upsert runs to completion as part of it, and
            # both read the case rows as the statement began.
            document = UPSERT.format(where=BY_IDS)
            cur.execute(f"WITH document AS ({document} RETURNING 1) {WORDS.format(where=BY_IDS)}", [ids, ids])


def refresh_range(low: int, high: int) -> None:
    with connection.cursor() as cur:
        cur.execute(UPSERT.format(where="c.id BETWEEN %s AND %s"), [low, high])
        cur.execute(WORDS.format(where="c.id BETWEEN %s AND %s"), [low, high])


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
    """(case id, rank), best first: the words, and the number's digits when `number`."""
    where, params = _scope_sql(scope)
    parts = [
        f"""(SELECT d.case_id, ts_rank_cd(d.tsv, query.q) AS rank
            FROM search_casedocument d, query WHERE d.tsv @@ query.q{where} LIMIT {CANDIDATES})"""
    ]
    args: list[Any] = [text, *params]
    if number:
        condition, number_args = number_condition(number, "d.case_id::text")
        # A number outranks any text match (whoever types digits most likely means a case),
        # the case of exactly that number first.
        parts.append(
            f"""(SELECT d.case_id, CASE WHEN d.case_id = %s THEN 2000.0 ELSE 1000.0 END AS rank
                FROM search_casedocument d
                WHERE {condition}{where} LIMIT {NUMBER_MATCHES})"""
        )
        args += [int(number), *number_args, *params]
    sql = f"""
        WITH query AS (SELECT websearch_to_tsquery('{CONFIG}', %s) AS q)
        SELECT case_id, max(rank) AS rank FROM ({" UNION ALL ".join(parts)}) found
        GROUP BY case_id ORDER BY rank DESC, case_id DESC LIMIT %s OFFSET %s"""
    with connection.cursor() as cur:
        cur.execute(sql, [*args, limit, offset])
        return [(row[0], float(row[1])) for row in cur.fetchall()]


def corrected(text: str, nearest: str = NEAREST, args: Sequence[Any] = ()) -> str:
    """The typed words with each replaced by the nearest word of a title (pg_trgm
    similarity), or "" when no word was changed. `nearest` may ask another list of words
    (the Solutions Center's, for one audience): its parameters are the word, `args`, the word."""
    typed = TYPED_WORDS.findall(text.lower())[:MAX_CORRECTED]
    near = []
    with connection.cursor() as cur:
        for word in typed:
            cur.execute(nearest, [word, *args, word])
            row = cur.fetchone()
            near.append(row[0] if row else word)
    return " ".join(near) if near != typed else ""


def tsquery(text: str) -> tuple[str, list[Any]]:
    """SQL for the typed words as a tsquery, the last word being typed as a prefix
    (`websearch_to_tsquery` for the rest: phrases, -word, or), and its parameters."""
    head, last = prefix_split(text)
    if not last:
        return f"websearch_to_tsquery('{CONFIG}', %s)", [text]
    prefix = f"to_tsquery('{CONFIG}', %s)"
    if not head:
        return prefix, [f"'{last}':*"]
    return f"(websearch_to_tsquery('{CONFIG}', %s) && {prefix})", [head, f"'{last}':*"]


def snippets(text: str, case_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The title and a fragment of description and comments with the words marked, for the
    shown cases only (ts_headline reads the text again)."""
    sql = f"""
        WITH query AS (SELECT websearch_to_tsquery('{CONFIG}', %s) AS q)
        SELECT c.id, ts_headline('{CONFIG}', c.title, query.q, %s),
               ts_headline('{CONFIG}', concat_ws(' … ', nullif(c.description, ''), e.body), query.q, %s)
        FROM cases_case c CROSS JOIN query
        {COMMENTS}
        WHERE c.id = ANY(%s)"""
    with connection.cursor() as cur:
        cur.execute(sql, [text, TITLE_MARKS, BODY_MARKS, list(case_ids)])
        return {row[0]: (row[1], row[2]) for row in cur.fetchall()}
