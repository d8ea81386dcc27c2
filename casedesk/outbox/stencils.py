"""Templated messages that differ only in a few free-text values, rendered once per shape.

An acknowledgement goes out for every case e-mail opens; a mailbox's backlog is hundreds of
them, alike but for the reader's name, the case's number and title and its link. Rendering
the three templates of each costs more than the rest of its intake. So the caller gives,
besides the real context, a stand-in context whose free-text values are markers, and the
key of everything else the templates may branch on (the case's kind, its priority, ...):
the templates are rendered once per key with the markers, split at them, and each message
is the pieces joined with its own values, escaped where the template escaped the marker.

Nothing can come out differently from a full render: the first message of each key is also
rendered in full and compared; a template that does anything to a marker but print it (a
filter, a test of its value) leaves it changed, and that key is rendered in full from then
on, as is any message whose values hold the markers' own characters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Sequence

from django.utils.html import escape

# Private-use characters that no template writes; "&" shows whether the marker was escaped.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}(&|&amp;)v([0-9]+)x{_CLOSE}")
KEPT = 512  # shapes remembered; a process sees a handful

Rendered = tuple[str, ...]  # the subject, the text and the HTML, as rendered
# Literal text, or (value number, whether it is escaped there).
_Piece = str | tuple[int, bool]
_Stencil = tuple[tuple[_Piece, ...], ...]

_lock = threading.Lock()
_stencils: dict[Hashable, _Stencil | None] = {}  # None: this shape is rendered in full


def marker(number: int) -> str:
    """The stand-in for value `number` in the stand-in context."""
    return f"{_OPEN}&v{number}x{_CLOSE}"


def render(
    key: Hashable,
    values: Sequence[str],
    stand_in: Callable[[], Rendered],
    full: Callable[[], Rendered],
) -> Rendered:
    """What `full()` renders, from the stencil of `key` filled with `values` when there is
    one; `stand_in()` renders the same templates with `marker(n)` for each value n."""
    if any(_OPEN in value or _CLOSE in value for value in values):
        return full()
    with _lock:
        known = key in _stencils
        stencil = _stencils.get(key)
    if stencil is not None:
        return tuple(_fill(pieces, values) for pieces in stencil)
    rendered = full()
    if not known:
        made = _made(stand_in(), len(values))
        if made is not None and tuple(_fill(pieces, values) for pieces in made) != rendered:
            made = None
        with _lock:
            if len(_stencils) >= KEPT:
                _stencils.clear()
            _stencils[key] = made
    return rendered


def forget() -> None:
    """Drop every stencil (templates or settings changed under a running process: tests)."""
    with _lock:
        _stencils.clear()


def _made(rendered: Rendered, count: int) -> _Stencil | None:
    out = []
    for text in rendered:
        pieces: list[_Piece] = []
        at = 0
        for found in _MARKER.finditer(text):
            number = int(found.group(2))
            if number >= count:
                return None
            pieces += [text[at : found.start()], (number, found.group(1) == "&amp;")]
            at = found.end()
        pieces.append(text[at:])
        if any(isinstance(p, str) and (_OPEN in p or _CLOSE in p) for p in pieces):
            return None  # a marker was changed on its way out: the template does more than print it
        out.append(tuple(p for p in pieces if p != ""))
    return tuple(out)


def _fill(pieces: tuple[_Piece, ...], values: Sequence[str]) -> str:
    return "".join(
        p if isinstance(p, str) else (escape(values[p[0]]) if p[1] else values[p[0]]) for p in pieces
    )
