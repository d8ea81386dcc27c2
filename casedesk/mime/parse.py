"""Inbound e-mail as plain values: bytes in, a ParsedMessage out. No Django, no database.

The stdlib parser (policy.default) does the MIME work; this module bounds it (`limits`
before it runs; depth and part count after), picks the text (`text`), collects attachments
and classifies automatic mail (`bounces`). Callers outside this package read untrusted
bytes through `sandbox`, which runs `parse` in a process of its own.
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from casedesk.mime import limits, lines
from casedesk.mime.bounces import Bounce
from casedesk.mime.headers import (
    POLICY,
    decoded_text,
    header_text,
    message_ids,
    normalise_address,
    raw_header,
)
from casedesk.mime.limits import Unparseable
from casedesk.mime.recognise import Recognition, recognise
from casedesk.mime.text import html_to_text, sanitise_html, strip_quoted

MAX_BYTES = limits.MAX_BYTES
MAX_DEPTH = 12
MAX_PARTS = 250
MAX_ATTACHMENTS = 50


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content_type: str
    content: bytes
    inline: bool = False


@dataclass(frozen=True)
class ParsedMessage:
    """What a received message says, as plain values.

    It is made in the parser's own process and pickled back to the caller (`sandbox`),
    whose unpickler builds only classes of `casedesk.mime` and dates. So a new field is
    plain data (str, int, bool, bytes, None, a datetime, tuples of these, or a frozen
    dataclass defined in `casedesk.mime`), has a default, and is filled in by `parse`
    from the message; what is found about it (a recogniser's verdict, an authentication
    result) goes here rather than being worked out again from the raw bytes by a caller.
    """

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender: str  # normalised address (lower case), "" if none
    sender_name: str
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To (normalised)
    subject: str
    date: datetime | None
    text: str  # the whole text body (from text/plain, else from the sanitised HTML)
    html: str  # sanitised HTML body, "" if none
    new_text: str  # text without quoted history
    attachments: tuple[MailAttachment, ...]
    automatic: str  # why the message is automatic, "" when a person wrote it
    bounce: Bounce | None
    headers: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default=())  # parts left out, and why
    recognised: Recognition | None = None  # what wrote it, when a program did (`recognise`)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids this message answers, the most specific first (In-Reply-To, then References
        from the newest)."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)


def _walk(msg: Message, depth: int = 0, counter: list[int] | None = None) -> None:
    counter = counter if counter is not None else [0]
    counter[0] += 1
    if depth > MAX_DEPTH:
        raise Unparseable(f"MIME nesting deeper than {MAX_DEPTH} levels")
    if counter[0] > MAX_PARTS:
        raise Unparseable(f"more than {MAX_PARTS} MIME parts")
    if msg.is_multipart():
        payload = msg.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, depth + 1, counter)


# --- the whole message ---------------------------------------------------------------


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Unparseable:
        raise
    except Exception:
        return ""


def _attachments(msg: Message, body_parts: set[int]) -> tuple[list[MailAttachment], list[str]]:
    found: list[MailAttachment] = []
    notes: list[str] = []

    def visit(part: Message) -> None:
        ctype = part.get_content_type()
        if id(part) in body_parts:
            return
        if ctype.startswith("multipart/"):
            payload = part.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    visit(sub)
            return
        disposition = (part.get_content_disposition() or "").lower()
        name = _filename(part)
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            content = inner_msg.as_bytes() if isinstance(inner_msg, Message) else b""
            subj = header_text(inner_msg, "Subject") if isinstance(inner_msg, Message) else ""
            name = name or f"{subj or 'message'}.eml"
        elif ctype.startswith("text/") and not name and disposition != "attachment":
            return  # an alternative body or a signature block, not a file
        elif ctype in ("message/delivery-status", "text/rfc822-headers"):
            return
        else:
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
        if not content:
            return
        if len(found) >= MAX_ATTACHMENTS:
            notes.append(f"More than {MAX_ATTACHMENTS} attachments; {name or ctype} was left out.")
            return
        if not name:
            ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}.get(ctype, "bin")
            name = f"inline-{len(found) + 1}.{ext}"
        found.append(MailAttachment(name, ctype, content, inline=disposition == "inline"))

    visit(msg)
    return found, notes


def parse(raw: bytes) -> ParsedMessage:
    """Read one message. Raises Unparseable with a reason when it is over the limits or
    not a message at all."""
    raw = lines.normalise(raw)  # the limits count lines, so they see the one form too
    limits.check_message(raw)
    if not raw.strip():
        raise Unparseable("empty message")
    if lines.split(raw) is None:
        raise Unparseable(lines.UNSEPARATED)
    try:
        msg: Any = email.message_from_bytes(raw, policy=POLICY)
    except Unparseable:
        raise
    except Exception as exc:
        raise Unparseable(f"the MIME parser failed: {type(exc).__name__}: {exc}") from exc
    if not msg.keys():
        raise Unparseable("no header fields")
    _walk(msg)

    from_value = header_text(msg, "From") or header_text(msg, "Sender")
    pairs = getaddresses([from_value]) if from_value else []
    sender_name, sender = (pairs[0][0], normalise_address(pairs[0][1])) if pairs else ("", "")
    if not sender:
        sender = normalise_address(header_text(msg, "Return-Path"))
    recipients: list[str] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for _, address in getaddresses([header_text(msg, name)]):
            address = normalise_address(address)
            if address and address not in recipients:
                recipients.append(address)
    subject = " ".join(header_text(msg, "Subject").split())[:500]
    try:
        date = parsedate_to_datetime(raw_header(msg, "Date"))
    except Exception:
        date = None

    notes: list[str] = []
    body_parts: set[int] = set()
    text = html = ""
    try:
        plain_part = msg.get_body(("plain",))
        html_part = msg.get_body(("html",))
    except Unparseable:
        raise
    except Exception:
        plain_part = html_part = None
    if plain_part is None and html_part is None and msg.get_content_maintype() == "text":
        plain_part = msg if msg.get_content_subtype() != "html" else None
        html_part = msg if msg.get_content_subtype() == "html" else None
    if html_part is not None:
        body_parts.add(id(html_part))
        source = decoded_text(html_part)
        limits.check_html(source)
        html = sanitise_html(source)
    if plain_part is not None:
        body_parts.add(id(plain_part))
        text = decoded_text(plain_part)
    elif html_part is not None:
        text = html_to_text(source)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    attachments, more = _attachments(msg, body_parts)
    notes.extend(more)

    whole = text
    if msg.get_content_type() == "multipart/report" or not whole:
        # With the text of a multipart part whose boundary was lost (a gateway's folding
        # error), which the standard library leaves as one text.
        whole = "\n".join(decoded_text(p) for p in msg.walk() if _textual(p))[:200000]
    recognised, bounce, automatic = recognise(msg, sender, subject, whole)
    headers = []
    for key, value in msg.raw_items():
        headers.append((key, _unescaped(str(value))))
    return ParsedMessage(
        message_id=(message_ids(raw_header(msg, "Message-ID")) or ("",))[0],
        in_reply_to=message_ids(raw_header(msg, "In-Reply-To")),
        references=message_ids(raw_header(msg, "References")),
        sender=sender,
        sender_name=" ".join(sender_name.split())[:200],
        recipients=tuple(recipients),
        subject=subject,
        date=date,
        text=text,
        html=html,
        new_text=strip_quoted(text),
        attachments=tuple(attachments),
        automatic=automatic,
        bounce=bounce,
        headers=tuple(headers),
        notes=tuple(notes),
        recognised=recognised,
    )


def _textual(part: Message) -> bool:
    maintype = part.get_content_maintype()
    return maintype == "text" or (maintype == "multipart" and not part.is_multipart())


def _unescaped(value: str) -> str:
    """A raw header value as text: 8-bit bytes the standard library kept as surrogate
    escapes (an unencoded UTF-8 Subject) read as UTF-8, anything else replaced, so that no
    lone surrogate reaches the stored reading (PostgreSQL's JSON refuses them)."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
