"""What both engines share: the scope of a search, how a typed query is read, and how the
engines' marked fragments become safe HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Marks the engines put around matched words; the text is escaped first, then the marks
# become <mark>, so nothing the customer wrote is ever read as HTML.
MARK_START = "\u27ea"
MARK_END = "\u27eb"

NUMBER_SHAPED = re.compile(r"^\s*(?:[A-Za-z]{1,6}-)?(\d+)\s*$")
MIN_NUMBER_DIGITS = 3  # fewer digits than a trigram cannot use the number index


@dataclass(frozen=True)
class Scope:
    """Which cases a search may answer with: one organisation's (narrows the index scan),
    and/or a subquery of case ids (SQL and parameters) such as a contact's own cases."""

    organisation_id: int | None = None
    within: tuple[str, Any] | None = None


def number_digits(text: str) -> str:
    """The digits of a whole or partial case number typed (`CS-0012`, `1234`), without
    leading zeros; "" when the text is not number-shaped."""
    match = NUMBER_SHAPED.match(text)
    return match.group(1).lstrip("0") if match else ""


def number_condition(digits: str, cast: str) -> tuple[str, list[Any]]:
    """SQL matching the case with exactly this number and, from three digits on, those
    whose number contains them; `cast` is the engine's id-as-text expression."""
    if len(digits) < MIN_NUMBER_DIGITS:
        return "d.case_id = %s", [int(digits)]
    return f"(d.case_id = %s OR {cast} LIKE %s)", [int(digits), f"%{digits}%"]


def highlighted(fragment: str) -> SafeString:
    marked = escape(fragment).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(marked)  # noqa: S308 - escaped above; only our marks become tags


_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")


def prefix_split(text: str) -> tuple[str, str]:
    """(the rest, the last word) when the text ends in a bare word being typed, which is
    then matched as a prefix ("voicem" finds "voicemail"); (text, "") after a space, a
    closing quote or a -word. The word has letters and digits only, safe in any syntax."""
    if text.count('"') % 2 or text.endswith((" ", '"')):
        return text, ""
    match = _LAST_WORD.search(text)
    if match is None:
        return text, ""
    head = text[: match.start(1)].strip()
    if head.lower() == "or" or head.lower().endswith(" or"):
        return text, ""  # "x or y": the last word is an alternative, read whole
    return head, match.group(1).lower()


def trigram_query(word: str) -> str:
    """An FTS5 query (trigram tokenizer) for the words sharing any three letters with
    `word`, best first by bm25: the embedded engine's candidates for a typo."""
    word = re.sub(r"[^\w]", "", word.lower())
    grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
    return " OR ".join(f'"{g}"' for g in grams)


def fts5_query(text: str, *, prefix: bool = False) -> str:
    """The typed words as an FTS5 query, each quoted so nothing is read as FTS5 syntax:
    words must all match, a "quoted phrase" as a phrase, -word excluded, `or` between two
    words either of them (websearch_to_tsquery's reading, on SQLite); with `prefix`, the
    last word being typed matches as a prefix."""
    if prefix:
        head, last = prefix_split(text)
        if last:
            query = fts5_query(head)
            return f'{query} AND "{last}"*' if query else f'"{last}"*'

    positive: list[str] = []
    negative: list[str] = []
    pending_or = False
    for quoted_neg, phrase, neg, word in _TOKEN.findall(text):
        term = phrase if phrase or quoted_neg else word
        excluded = bool(quoted_neg or neg)
        if not phrase and term.lower() == "or" and positive:
            pending_or = True
            continue
        cleaned = term.replace('"', " ").strip()
        if not cleaned:
            continue
        quoted = f'"{cleaned}"'
        if excluded:
            negative.append(quoted)
        elif pending_or:
            positive[-1] = f"({positive[-1]} OR {quoted})"
            pending_or = False
        else:
            positive.append(quoted)
    if not positive:
        return ""
    query = " AND ".join(positive)
    return query + "".join(f" NOT {term}" for term in negative)
