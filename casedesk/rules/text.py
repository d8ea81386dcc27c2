"""Single-line text: what may not appear in a title, a name or a subject.

A carriage return or line feed in a value that becomes a mail header makes the whole
message unsendable (header injection is refused by the mail library), so a title with one
silences every notice built from it. Entry refuses such values with a clear message;
values that must not be refused (a received e-mail's subject) and subjects built from
data are folded onto one line instead.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(value: str) -> bool:
    """Whether the text holds a line break, tab or other control character."""
    return CONTROL.search(value or "") is not None


def fold(value: str) -> str:
    """The text on one line: every run of whitespace or control characters one space."""
    return " ".join(CONTROL.sub(" ", value or "").split())
