"""The Solutions Center on SQLite: the FTS5 table `solutions_article_fts` (rowid = the
article's id; porter stemming) with bm25 over weighted columns and `snippet()`, the last
typed word as a prefix (`casedesk.search.text.fts5_query`), and typos corrected against a
trigram FTS5 table of the words of titles per audience."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from django.db import connection

from casedesk.search.text import MARK_END, MARK_START, fts5_query, trigram_query
from casedesk.solutions.filters import Where

WEIGHTS = "10.0, 4.0, 1.0"  # title, summary, text
COUNT_CAP = 1000
CHUNK = 500
TYPED_WORDS = re.compile(r"[^\W_]{4,}")
SIMILAR = 0.7  # how alike a typed word and a word of a title must be (difflib's ratio)


def _where(where: Where) -> tuple[str, list[Any]]:
    sql = " AND a.audience IN ({}) AND a.publish_at <= %s".format(", ".join(["%s"] * len(where.audiences)))
    params: list[Any] = [*sorted(where.audiences), where.now]
    if where.category_id is not None:
        sql += " AND a.category_id = %s"
        params.append(where.category_id)
    if where.platform_id is not None:
        sql += " AND a.id IN (SELECT article_id FROM solutions_article_platforms WHERE platform_id = %s)"
        params.append(where.platform_id)
    return sql, params


def refresh(article_ids: Sequence[int]) -> None:
    ids = list(article_ids)
    with connection.cursor() as cur:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(
                "INSERT OR REPLACE INTO solutions_article_fts (rowid, title, summary, body) "
                f"SELECT id, title, summary, body_text FROM solutions_article WHERE id IN ({marks})",
                chunk,
            )
            cur.execute(f"SELECT title, audience FROM solutions_article WHERE id IN ({marks})", chunk)
            _add_words(cur, cur.fetchall())


def _add_words(cur: Any, rows: list[tuple[str, str]]) -> None:
    words = {(w, audience) for title, audience in rows for w in TYPED_WORDS.findall(title.lower())}
    for word, audience in sorted(words):
        if not word.isdigit():
            cur.execute(
                "INSERT INTO solutions_word_fts (word, audience) SELECT %s, %s WHERE NOT EXISTS "
                "(SELECT 1 FROM solutions_word_fts WHERE word = %s AND audience = %s)",
                [word, audience, word, audience],
            )


def drop(article_ids: Sequence[int]) -> None:
    ids = list(article_ids)
    with connection.cursor() as cur:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cur.execute(
                f"DELETE FROM solutions_article_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk
            )


def forget(title: str, audience: str) -> None:
    """Drop the words of `title` from `audience`'s typo corrections unless another title of
    that audience still has them (rare: a deletion, a retitling, a change of audience)."""
    with connection.cursor() as cur:
        for word in sorted({w for w in TYPED_WORDS.findall(title.lower()) if not w.isdigit()}):
            cur.execute(
                "SELECT title FROM solutions_article WHERE audience = %s AND title LIKE %s",
                [audience, f"%{word}%"],
            )
            if not any(word in TYPED_WORDS.findall(t.lower()) for (t,) in cur.fetchall()):
                cur.execute(
                    "DELETE FROM solutions_word_fts WHERE word = %s AND audience = %s", [word, audience]
                )


def rebuild() -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM solutions_article_fts")
        cur.execute("DELETE FROM solutions_word_fts")
        cur.execute(
            "INSERT INTO solutions_article_fts (rowid, title, summary, body) "
            "SELECT id, title, summary, body_text FROM solutions_article"
        )
        cur.execute("SELECT title, audience FROM solutions_article")
        _add_words(cur, cur.fetchall())


def _scoped(where: Where) -> tuple[str, list[Any]]:
    cond, args = _where(where)
    # bm25() works only on the FTS5 table itself: the audience is a subquery, not a join.
    return f" AND rowid IN (SELECT a.id FROM solutions_article a WHERE 1 = 1{cond})", args


def matches(text: str, where: Where, limit: int, offset: int) -> list[int]:
    query = fts5_query(text, prefix=True)
    if not query:
        return []
    scoped, args = _scoped(where)
    sql = f"""SELECT rowid FROM solutions_article_fts WHERE solutions_article_fts MATCH %s{scoped}
        ORDER BY bm25(solutions_article_fts, {WEIGHTS}), rowid DESC LIMIT %s OFFSET %s"""
    with connection.cursor() as cur:
        cur.execute(sql, [query, *args, limit, offset])
        return [row[0] for row in cur.fetchall()]


def count(text: str, where: Where) -> int:
    query = fts5_query(text, prefix=True)
    if not query:
        return 0
    scoped, args = _scoped(where)
    sql = f"""SELECT count(*) FROM (SELECT 1 FROM solutions_article_fts
        WHERE solutions_article_fts MATCH %s{scoped} LIMIT {COUNT_CAP + 1})"""
    with connection.cursor() as cur:
        cur.execute(sql, [query, *args])
        return int(cur.fetchone()[0])


def corrected(text: str, where: Where) -> str:
    typed = TYPED_WORDS.findall(text.lower())[:5]
    near = []
    audiences = sorted(where.audiences)
    marks = ", ".join(["%s"] * len(audiences))
    with connection.cursor() as cur:
        for word in typed:
            cur.execute(
                f"""SELECT word FROM solutions_word_fts WHERE solutions_word_fts MATCH %s
                AND audience IN ({marks}) ORDER BY bm25(solutions_word_fts) LIMIT 20""",
                [trigram_query(word), *audiences],
            )
            found = [row[0] for row in cur.fetchall()]
            best = difflib.get_close_matches(word, found, n=1, cutoff=SIMILAR)
            near.append(best[0] if best else word)
    return " ".join(near) if near != typed else ""


def snippets(text: str, ids: Sequence[int], where: Where, *, words: int = 24) -> dict[int, tuple[str, str]]:
    query = fts5_query(text, prefix=True)
    if not query or not ids:
        return {}
    scoped, args = _scoped(where)
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""SELECT rowid, highlight(solutions_article_fts, 0, %s, %s),
            snippet(solutions_article_fts, 1, %s, %s, ' … ', {words}),
            snippet(solutions_article_fts, 2, %s, %s, ' … ', {words})
        FROM solutions_article_fts WHERE solutions_article_fts MATCH %s AND rowid IN ({marks}){scoped}"""
    with connection.cursor() as cur:
        cur.execute(sql, [*[MARK_START, MARK_END] * 3, query, *ids, *args])
        return {
            row[0]: (row[1], next((f for f in (row[2], row[3]) if MARK_START in f), row[3] or row[2]))
            for row in cur.fetchall()
        }
