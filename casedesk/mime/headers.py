"""Header values as the desk reads them: addresses, Message-IDs, decoded text, and the
text of a MIME part whatever its declared charset."""

from __future__ import annotations

import email.policy
import functools
import re
from email.message import EmailMessage, Message
from typing import Any

from casedesk.mime.limits import LimitExceeded, check_field

ID_RE = re.compile(r"<([^<>\s]{1,250})>")


@functools.lru_cache(maxsize=2048)
def _parsed_header(name: str, value: str) -> Any:
    return email.policy.default.header_fetch_parse(name, value)


class _Policy(email.policy.EmailPolicy):
    """policy.default, remembering parsed header values (the MIME API asks for the same
    Content-Type many times per part, and header objects are immutable), and refusing a
    value over the limits before parsing it, in whichever part (`limits.check_field`; a
    short value on one line is always within them)."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if len(value) > 2000 or "\r" in value or "\n" in value:
            check_field(name, value)
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)

    def fold(self, name: str, value: str) -> str:
        check_field(name, value)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        check_field(name, value)
        return super().fold_binary(name, value)


POLICY = _Policy()


def normalise_address(address: str) -> str:
    address = (address or "").strip().strip("<>").strip()
    return address.lower() if "@" in address else ""


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(f"<{m}>" for m in ID_RE.findall(value or ""))[:100]


def header_text(msg: Message, name: str) -> str:
    """A header's decoded value; "" when absent or too broken to decode."""
    try:
        value = msg.get(name)
    except LimitExceeded:
        raise
    except Exception:
        return _raw_header(msg, name)
    if value is None:
        return ""
    try:
        return str(value)
    except Exception:
        return _raw_header(msg, name)


def raw_header(msg: Message, name: str) -> str:
    """A header's value as received (no RFC 2047 decoding): for ids, dates and flags."""
    lname = name.lower()
    for key, value in msg.raw_items() if isinstance(msg, EmailMessage) else msg.items():
        if key.lower() == lname:
            return " ".join(str(value).split())
    return ""


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items() if isinstance(msg, EmailMessage) else msg.items():
        if key.lower() == name.lower():
            return str(value).encode("ascii", "replace").decode()
    return ""


def decoded_text(part: Message) -> str:
    """A text part's content; by hand (declared charset, UTF-8, cp1252, Latin-1) when the
    charset is unknown or the encoding broken."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # noqa: S110 - unknown charset or broken encoding: decode by hand
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "utf-8", "utf-8", "cp1252"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")
