"""Line endings and the fingerprint of a received message.

Mail arrives with CRLF (the wire form), LF (most mailbox files), bare CR (old Mac tools
and some gateways) or a mix. Each of them is read as the same message: `normalise` makes
every form LF once, before the message is fingerprinted or parsed; the stored raw bytes
stay as received. A body sent as 8-bit binary would change too, which is why only what
is read from the message goes through it, never what is stored.
"""

from __future__ import annotations

import hashlib
import re

from casedesk.mime.headers import message_ids

LINE_END_RE = re.compile(rb"\r\n?")

# Trace fields that a second delivery of the same message may add or change.
TRACE_FIELDS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "delivery-date",
        "x-envelope-from",
        "x-envelope-to",
        "authentication-results",
        "arc-authentication-results",
        "arc-seal",
        "arc-message-signature",
        "received-spf",
        "x-spam-status",
        "x-spam-score",
        "x-spam-flag",
        "x-spam-level",
        "x-spam-checker-version",
        "x-virus-scanned",
        "x-uid",
        "status",
        "x-status",
        "x-keywords",
        "lines",
        "content-length",
    }
)
UNSEPARATED = "the header cannot be separated from the body (no empty line ends it)"


def normalise(raw: bytes) -> bytes:
    """The message with every line ending (CRLF, bare CR, LF, mixed) as LF."""
    if b"\r" not in raw:
        return raw
    return LINE_END_RE.sub(b"\n", raw)


def split(text: bytes) -> tuple[bytes, bytes] | None:
    """(header, body) of a normalised message, or None when no empty line ends the header."""
    if text.startswith(b"\n"):
        return b"", text[1:]
    head, sep, body = text.partition(b"\n\n")
    return (head, body) if sep else None


def fingerprint(raw: bytes) -> tuple[str, str]:
    """(Message-ID, sha256 of the message without its trace fields and line endings): the
    same message delivered twice, through different relays, in any line-ending form, has
    the same fingerprint, and two messages that differ anywhere else never do.

    A message whose header cannot be told from its body is hashed whole, as received, and
    marked so that it can never match one that can."""
    parts = split(normalise(raw))
    if parts is None:
        return "", "unseparated:" + hashlib.sha256(raw).hexdigest()
    head, body = parts
    lines = head.split(b"\n")
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # the mailbox file's separator line, written on delivery
    digest = hashlib.sha256()
    keep = True
    message_id = ""
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if keep:
                digest.update(line + b"\n")
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        keep = not (b":" in line and name in TRACE_FIELDS)
        if keep:
            digest.update(line + b"\n")
        if name == "message-id" and not message_id:
            ids = message_ids(line.decode("ascii", "replace"))
            message_id = ids[0] if ids else ""
    digest.update(b"\n" + body)
    return message_id, digest.hexdigest()
