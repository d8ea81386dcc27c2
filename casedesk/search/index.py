"""The search index and its queries, whichever engine the database is: the case actions
call `refresh` in their own transaction; `casedesk.cases.finding` asks `matches`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from django.db import connection
from django.utils.safestring import SafeString

from casedesk.search import postgres, sqlite
from casedesk.search.text import Scope, highlighted, number_digits

__all__ = ["Found", "Scope", "find", "rebuild", "refresh", "snippets"]


def _engine() -> ModuleType:
    return postgres if connection.vendor == "postgresql" else sqlite


def refresh(case_ids: Iterable[int], *, comments_only: bool = False) -> None:
    """Rewrite these cases' documents from their rows (title, description, public comments,
    organisation and contact); call inside the transaction of the write. `comments_only`:
    only comments were added, so what hangs on the title and organisation (the document's
    organisation, the title words) is as it was and is not written again."""
    ids = sorted({int(pk) for pk in case_ids})
    if ids:
        _engine().refresh(ids, comments_only=comments_only)


def rebuild(*, batch: int = 10_000, progress: Callable[[int], None] | None = None) -> int:
    """Every case's document again, `batch` ids at a time, each batch in its own statement."""
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM cases_case")
        low, high = cur.fetchone()
    done = 0
    for start in range(low, high + 1, batch):
        _engine().refresh_range(start, min(start + batch - 1, high))
        done = min(start + batch, high + 1) - low
        if progress is not None:
            progress(done)
    return done


@dataclass(frozen=True)
class Found:
    """Case ids best first and whether one more page follows; `text` is what was searched:
    the typed words, or (PostgreSQL) the nearest words of titles when those matched nothing
    (`corrected`)."""

    ids: list[int]
    has_next: bool
    text: str
    corrected: bool = False


def find(text: str, scope: Scope, *, page: int = 1, size: int = 25) -> Found:
    text = text.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    if not text:
        return Found([], False, text)
    engine, offset, number = _engine(), (max(1, page) - 1) * size, number_digits(text)
    rows = engine.matches(text, number, scope, size + 1, offset)
    if not rows and (offset == 0 or not engine.matches(text, number, scope, 1, 0)):
        near = engine.corrected(text)
        if near:
            rows = engine.matches(near, "", scope, size + 1, offset)
            ids = [pk for pk, _ in rows]
            return Found(ids[:size], len(ids) > size, near, bool(ids))
    ids = [pk for pk, _ in rows]
    return Found(ids[:size], len(ids) > size, text)


def snippets(text: str, case_ids: list[int]) -> dict[int, tuple[SafeString, SafeString]]:
    """Marked title and fragment for the cases shown (only those: it reads their text)."""
    if not case_ids:
        return {}
    raw = _engine().snippets(text.replace("\x00", "").strip(), case_ids)
    return {pk: (highlighted(title), highlighted(body)) for pk, (title, body) in raw.items()}
