"""Articles are written in Markdown (markdown-it-py, CommonMark with tables) and shown as
HTML sanitised by nh3: raw HTML in the source is not passed through, and what the renderer
makes is cleaned again to a short list of tags and attributes, so an article can never
carry a script, a style attribute (the CSP forbids them) or a javascript: link."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
# A heading of level 1 is the page's own title; an article's headings start at 2.
_H1 = re.compile(r"<(/?)h1>")


def render(source: str) -> str:
    html = _md.render(source or "")
    html = _H1.sub(r"<\1h2>", html)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


def plain(source: str) -> str:
    """The text of the Markdown without its marks, for the search index and snippets."""
    return html.unescape(nh3.clean(_md.render(source or ""), tags=set())).strip()
