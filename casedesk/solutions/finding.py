"""Search over the Solutions Center, scoped by who asks: the results, their count, their
snippets, the suggestions while a case is typed and the typo correction all read only the
articles of the reader's audiences that are published (`selectors.audiences_of`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.db import connection
from django.utils.safestring import SafeString

from casedesk.core import clock
from casedesk.search.text import highlighted
from casedesk.solutions import engine_lite, engine_pg
from casedesk.solutions.filters import Where
from casedesk.solutions.models import Article
from casedesk.solutions.selectors import audiences_of

MAX_TEXT = 200


def engine() -> ModuleType:
    return engine_pg if connection.vendor == "postgresql" else engine_lite


@dataclass(frozen=True)
class Hit:
    article: Article
    title: SafeString
    snippet: SafeString


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int  # capped: see `more`
    more: bool  # over the engine's count cap ("1,000+")
    has_next: bool
    text: str = ""  # what was searched: the typed words or their correction
    corrected: bool = False


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())[:MAX_TEXT]


def where_for(
    user: Any,
    *,
    category_id: int | None = None,
    platform_id: int | None = None,
    audiences: frozenset[str] | None = None,
) -> Where:
    """`audiences` narrows further (never widens): staff linking an article in a reply to a
    customer look among the customers' articles only."""
    mine = audiences_of(user)
    return Where(mine & audiences if audiences is not None else mine, clock.now(), category_id, platform_id)


def search(
    user: Any,
    text: str,
    *,
    category_id: int | None = None,
    platform_id: int | None = None,
    page: int = 1,
    size: int = 10,
    words: int = 30,
    audiences: frozenset[str] | None = None,
    counted: bool = True,
) -> Results:
    text = _clean(text)
    if not text:
        return Results([], 0, False, False)
    where = where_for(user, category_id=category_id, platform_id=platform_id, audiences=audiences)
    eng, offset = engine(), (max(1, page) - 1) * size
    ids = eng.matches(text, where, size + 1, offset)
    searched, corrected = text, False
    if not ids and offset == 0:
        near = eng.corrected(text, where)
        if near:
            ids = eng.matches(near, where, size + 1, offset)
            searched, corrected = (near, True) if ids else (text, False)
    if not ids:
        return Results([], 0, False, False, text)
    # The count is asked only when there is more than this page: otherwise it is the page's.
    has_next = len(ids) > size
    total = (
        (offset + len(ids)) if not has_next else eng.count(searched, where) if counted else offset + size + 1
    )
    shown = ids[:size]
    rows = Article.objects.select_related("category").in_bulk(shown)
    marked = eng.snippets(searched, shown, where, words=words)
    hits = []
    for pk in shown:
        if pk in rows:
            title, snippet = marked.get(pk, ("", ""))
            hits.append(Hit(rows[pk], highlighted(title or rows[pk].title), highlighted(snippet or "")))
    cap = eng.COUNT_CAP
    return Results(hits, min(total, cap), total > cap, has_next, searched, corrected)


# Words that say nothing of the problem; left out of the "any of these words" reading.
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "since",
        "so",
        "the",
        "their",
        "there",
        "this",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "won",
        "wont",
        "yesterday",
        "today",
        "you",
        "your",
    ]
)
WORDS = re.compile(r"[^\W_]{3,}")
MAX_WORDS = 8


def suggest(user: Any, text: str, *, size: int = 5, audiences: frozenset[str] | None = None) -> Results:
    """The best few articles for what a customer is typing (the title and description of a
    new case): every word first; when nothing has them all, any of them, the articles with
    the most of them first. A short fragment each."""
    found = search(user, text, size=size, words=16, audiences=audiences, counted=False)
    if found.hits:
        return found
    words = [w for w in WORDS.findall(_clean(text).lower()) if w not in STOP][:MAX_WORDS]
    if len(words) < 2:
        return found
    return search(user, " or ".join(words), size=size, words=16, audiences=audiences, counted=False)
