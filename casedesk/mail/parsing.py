"""Reading received messages, always in the parser's own process (`mime.sandbox`) and never
in the process that serves pages, listens for SMTP, polls IMAP or runs the sweeps; and what
the console shows of a message (`reading`), kept with it at intake so that the page never
reads the raw bytes again.

The sandbox's workers are limited to `CASEDESK_MAIL_PARSE_MEMORY_MB` of address space and
`CASEDESK_MAIL_PARSE_SECONDS` per message.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from casedesk.mime.limits import Unparseable
from casedesk.mime.parse import ParsedMessage
from casedesk.mime.sandbox import ParserStopped, Pending, Sandbox

__all__ = ["ParserStopped", "Pending", "Unparseable", "begin", "read", "read_many", "reading", "sandbox"]

TEXT_KEPT = 100_000  # characters of the text kept for the console

_lock = threading.Lock()
_sandbox: Sandbox | None = None


def sandbox() -> Sandbox:
    """The process's sandbox, made again when its limits were changed."""
    global _sandbox
    seconds = float(settings.CASEDESK_MAIL_PARSE_SECONDS)
    memory = int(settings.CASEDESK_MAIL_PARSE_MEMORY_MB) * 1024 * 1024
    with _lock:
        current = _sandbox
        if current is None or (current.seconds, current.memory) != (seconds, memory):
            _sandbox = Sandbox(seconds=seconds, memory=memory)
    if current is not None and current is not _sandbox:
        current.close()
    assert _sandbox is not None
    return _sandbox


def read_many(raws: Sequence[bytes]) -> list[ParsedMessage | Unparseable]:
    """Each message's parse, or why it cannot be read (`ParserStopped` when its parser died
    or overran, which may be the machine's fault rather than the message's)."""
    return sandbox().parse_many(raws)


def begin(raw: bytes) -> Pending | None:
    """Start reading a message in the parser's process while the caller does something else
    (`Sandbox.begin`); None if it is too big to be handed over ahead."""
    return sandbox().begin(raw)


def read(raw: bytes) -> ParsedMessage:
    """One message's parse; raises Unparseable with the reason."""
    return sandbox().parse(raw)


def reading(parsed: ParsedMessage) -> dict[str, Any]:
    """What the console's page of a received message shows, as stored with it."""
    return {
        "text": parsed.text[:TEXT_KEPT],
        "cut": len(parsed.text) > TEXT_KEPT,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": len(a.content), "inline": a.inline}
            for a in parsed.attachments
        ],
        "automatic": parsed.automatic,
        "notes": list(parsed.notes),
        "headers": [[name, value] for name, value in parsed.headers],
    }
