"""The text of a message body: HTML sanitised or made readable, and the new text of a
reply without its quoted history (in the wording of the common clients and languages)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "divrplyfwdmsg", "gmail_attr")
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "table",
        "ul",
        "ol",
        "blockquote",
        "hr",
        "section",
        "article",
    ]
)
VOID_TAGS = frozenset(
    [
        "br",
        "hr",
        "img",
        "meta",
        "link",
        "input",
        "col",
        "area",
        "base",
        "wbr",
        "source",
        "track",
        "embed",
        "param",
    ]
)


class _TextFromHtml(HTMLParser):
    """Readable text from HTML, leaving out quoted history (blockquote and the quote
    containers of common clients), scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS and not self.skip_depth:
                self.out.append("\n")
            return
        classes = " ".join((v or "") for k, v in attrs if k in ("class", "id")).lower()
        skipping = tag in ("script", "style", "head", "title", "blockquote") or any(
            c in classes for c in QUOTE_CLASSES
        )
        self.stack.append(skipping)
        if skipping:
            self.skip_depth += 1
        if tag in BLOCK_TAGS and not self.skip_depth:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self.stack:
            return
        if self.stack.pop():
            self.skip_depth -= 1
        if tag in BLOCK_TAGS and not self.skip_depth:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.out.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self.out)
        lines = [line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitise_html(html: str) -> str:
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return nh3.clean(html, tags=set()).strip()
    return parser.text()


# --- quoted history ------------------------------------------------------------------

ORIGINAL_RE = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)"
    r"\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
FORWARD_HEADER_RE = re.compile(r"^\s*\*?(From|De|Von|Van|Da)\s*:\*?\s", re.IGNORECASE)
SENT_HEADER_RE = re.compile(r"^\s*\*?(Sent|Date|Envoyé|Gesendet|Enviado|Datum)\s*:", re.IGNORECASE)
WROTE_RE = re.compile(
    r"^\s*(On|Le|Am|El|Il|Op|Em|Den|W dniu)\b.{0,300}"
    r"(wrote|écrit|schrieb|escribió|scritto|schreef|escreveu|skrev|napisał)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)


ATTRIBUTION_START_RE = re.compile(r"^\s*((On|Le|Am|El|Il|Op|Em|Den|W dniu)\b|\d)", re.IGNORECASE)


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content(lines: list[str], start: int) -> str:
    for line in lines[start:]:
        if line.strip():
            return line
    return ""


def _attribution_end(lines: list[str], i: int) -> int | None:
    """If an attribution line ("On ... wrote:", in any client's wording, over up to three
    wrapped lines) starts at `i`, the index after it; else None."""
    starts = bool(ATTRIBUTION_START_RE.match(lines[i]))
    for span in (1, 2, 3):
        if i + span > len(lines) or not lines[i + span - 1].strip():
            break
        if span > 1 and not starts:
            break
        block = " ".join(line.strip() for line in lines[i : i + span])
        if not block.endswith(":") or len(block) > 400:
            continue
        if WROTE_RE.match(block):
            return i + span
        # Other languages: a line ending in ":" with a date or an address, followed by quotes.
        if (re.search(r"\d", block) or "@" in block) and _is_quote(_next_content(lines, i + span)):
            return i + span
    return None


def strip_quoted(text: str) -> str:
    """The new text of a reply: without the quoted history, the attribution line, or a
    forwarded-original block."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if ORIGINAL_RE.match(line):
            break
        if FORWARD_HEADER_RE.match(line) and any(SENT_HEADER_RE.match(x) for x in lines[i + 1 : i + 5]):
            break
        end = _attribution_end(lines, i)
        if end is not None:
            i = end
            continue
        if _is_quote(line):
            i += 1
            continue
        kept.append(line.rstrip())
        i += 1
    result = "\n".join(kept).strip("\n")
    result = re.sub(r"\n{3,}", "\n\n", result).strip()
    return result or text.strip()
