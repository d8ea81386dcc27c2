"""Inbound e-mail as plain values: bytes in, a ParsedMessage out. No Django, no database.

The stdlib parser (policy.default) does the MIME work; this module bounds it (size, depth,
part count), picks the text, sanitises HTML, strips quoted history, collects attachments
and classifies automatic mail (RFC 3834 auto-replies, RFC 3464 delivery reports and the
common server formats of bounce).
"""

from __future__ import annotations

import email
import email.policy
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import nh3

MAX_BYTES = 30 * 1024 * 1024
MAX_DEPTH = 12
MAX_PARTS = 250
MAX_ATTACHMENTS = 50

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

ID_RE = re.compile(r"<([^<>\s]{1,250})>")


@functools.lru_cache(maxsize=2048)
def _parsed_header(name: str, value: str) -> Any:
    return email.policy.default.header_fetch_parse(name, value)


class _Policy(email.policy.EmailPolicy):
    """policy.default, remembering parsed header values: the MIME API asks for the same
    Content-Type many times per part, and header objects are immutable."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if len(value) > 2000 or "\r" in value or "\n" in value:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


POLICY = _Policy()


class Unparseable(Exception):
    """The message cannot be read within the limits; the reason is fit to show staff."""


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content_type: str
    content: bytes
    inline: bool = False


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[str, ...]
    original_ids: tuple[str, ...]
    action: str = "failed"
    status: str = ""
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        if self.action.lower() in ("delayed", "delivered", "relayed", "expanded"):
            return False
        return not self.status.startswith("4")


@dataclass(frozen=True)
class ParsedMessage:
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

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids this message answers, the most specific first (In-Reply-To, then References
        from the newest)."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)


# --- helpers -------------------------------------------------------------------------


def normalise_address(address: str) -> str:
    address = (address or "").strip().strip("<>").strip()
    return address.lower() if "@" in address else ""


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(f"<{m}>" for m in ID_RE.findall(value or ""))[:100]


def header_text(msg: Message, name: str) -> str:
    """A header's decoded value; "" when absent or too broken to decode."""
    try:
        value = msg.get(name)
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


def fingerprint(raw: bytes) -> tuple[str, str]:
    """(Message-ID, sha256 of the message without its trace fields): the same message
    delivered twice, through different relays, has the same fingerprint."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    kept: list[bytes] = []
    keep = True
    message_id = ""
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        keep = name not in TRACE_FIELDS and not line.startswith(b"From ")
        if keep:
            kept.append(line)
        if name == "message-id" and not message_id:
            ids = message_ids(line.decode("ascii", "replace"))
            message_id = ids[0] if ids else ""
    digest = hashlib.sha256(b"\n".join(kept) + b"\n\n" + body.replace(b"\r\n", b"\n"))
    return message_id, digest.hexdigest()


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


def _decoded_text(part: Message) -> str:
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


# --- HTML ----------------------------------------------------------------------------

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


# --- automatic mail ------------------------------------------------------------------

AUTO_SUBJECT_RE = re.compile(
    r"(out of (the )?office|auto(matic)?[\s_-]?(reply|response|respon|answer)|autorespon|"
    r"auto:|on vacation|on leave|away from (the |my )?(office|desk)|^away until|"
    r"abwesenheit|abwesend|réponse automatique|respuesta automática|autosvar|automaattinen|"
    r"risposta automatica|fuori sede|afwezig)",
    re.IGNORECASE,
)
BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliver|undelivered mail|returned mail|mail delivery (failed|failure)|"
    r"delivery (status notification|failure|has failed|notification)|failure notice|"
    r"delayed mail|non remis|unzustellbar|could not be delivered|delivery problem|"
    r"returned to sender|warning: could not send|mail system error|errors from)",
    re.IGNORECASE,
)
DAEMONS = frozenset({"mailer-daemon", "mail-daemon", "mailerdaemon"})
POSTMASTERS = frozenset({"postmaster", "mail.delivery.system", "mdaemon"})


def automatic_reason(msg: Message, subject: str) -> str:
    """Why the message was written by a program (RFC 3834 and common practice), or ""."""
    auto = raw_header(msg, "Auto-Submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = raw_header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"):
        if msg.get(name) is not None:
            return f"{name} header"
    suppress = raw_header(msg, "X-Auto-Response-Suppress").strip()
    if suppress:
        return f"X-Auto-Response-Suppress: {suppress}"
    if AUTO_SUBJECT_RE.search(subject or ""):
        return "automatic-reply subject"
    return ""


def _dsn_fields(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    blocks = re.split(r"\r?\n\s*\r?\n", text.strip())
    return [email.message_from_string(b + "\n\n") for b in blocks if b.strip()]


def _address_of_field(value: str) -> str:
    value = value.split(";", 1)[-1] if ";" in value else value
    return normalise_address(value)


ORIGINAL_ID_RE = re.compile(r"^\s*Message-ID\s*:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
FAILED_LINE_RE = re.compile(r"^\s{0,8}<?([^\s<>@\"]+@[^\s<>@\"]+\.[A-Za-z0-9-]+)>?:?\s*(\(.*\))?\s*$", re.M)


def find_bounce(msg: Message, sender: str, subject: str, whole_text: str) -> Bounce | None:
    """A delivery-failure report (RFC 3464 or a server's own format), or None."""
    ctype = msg.get_content_type()
    report = None
    originals: list[str] = []
    for part in msg.walk():
        pt = part.get_content_type()
        if pt in ("message/delivery-status", "message/global-delivery-status") and report is None:
            report = part
        elif pt in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner_msg, Message):
                originals.extend(message_ids(header_text(inner_msg, "Message-ID")))
        elif pt in ("text/rfc822-headers", "text/global-headers"):
            originals.extend(ORIGINAL_ID_RE.findall(_decoded_text(part)))
    local = sender.split("@", 1)[0]
    is_report = ctype == "multipart/report" and (
        report is not None or "delivery-status" in str(msg.get_param("report-type") or "")
    )
    looks_like = local in DAEMONS or (
        (local in POSTMASTERS or not sender) and bool(BOUNCE_SUBJECT_RE.search(subject or ""))
    )
    if not (is_report or report is not None or looks_like):
        return None
    if not originals:
        originals.extend(ORIGINAL_ID_RE.findall(whole_text))
    recipients: list[str] = []
    action, status, diagnostic = "failed", "", ""
    if report is not None:
        for block in _dsn_fields(report):
            rcpt = header_text(block, "Final-Recipient") or header_text(block, "Original-Recipient")
            address = _address_of_field(rcpt)
            if address and address not in recipients:
                recipients.append(address)
                action = (header_text(block, "Action") or action).strip().lower()
                status = (header_text(block, "Status") or status).strip()
                diagnostic = diagnostic or header_text(block, "Diagnostic-Code").strip()
    if not recipients:
        failed = header_text(msg, "X-Failed-Recipients")
        recipients = [a for _, a in getaddresses([failed]) if normalise_address(a)]
        recipients = [normalise_address(a) for a in recipients]
    if not recipients:
        head = re.split(
            r"(?im)^(-+ ?(original|this is a copy|the original|returned) |received:)", whole_text
        )[0]
        for match in FAILED_LINE_RE.finditer(head[:20000]):
            address = normalise_address(match.group(1))
            if address and address != sender and address not in recipients:
                recipients.append(address)
    if "delay" in (subject or "").lower() and report is None:
        action = "delayed"
    return Bounce(
        recipients=tuple(recipients[:20]),
        original_ids=tuple(dict.fromkeys(originals))[:10],
        action=action,
        status=status[:32],
        diagnostic=diagnostic[:500],
    )


# --- the whole message ---------------------------------------------------------------


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
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
    if len(raw) > MAX_BYTES:
        raise Unparseable(f"message of {len(raw)} bytes is over the {MAX_BYTES} byte limit")
    if not raw.strip():
        raise Unparseable("empty message")
    try:
        msg: Any = email.message_from_bytes(raw, policy=POLICY)
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
    except Exception:
        plain_part = html_part = None
    if plain_part is None and html_part is None and msg.get_content_maintype() == "text":
        plain_part = msg if msg.get_content_subtype() != "html" else None
        html_part = msg if msg.get_content_subtype() == "html" else None
    if html_part is not None:
        body_parts.add(id(html_part))
        html = sanitise_html(_decoded_text(html_part))
    if plain_part is not None:
        body_parts.add(id(plain_part))
        text = _decoded_text(plain_part)
    elif html_part is not None:
        text = html_to_text(_decoded_text(html_part))
    text = text.replace("\r\n", "\n").replace("\x00", "")
    attachments, more = _attachments(msg, body_parts)
    notes.extend(more)

    whole = text
    if msg.get_content_type() == "multipart/report" or not whole:
        whole = "\n".join(_decoded_text(p) for p in msg.walk() if p.get_content_maintype() == "text")[:200000]
    bounce = find_bounce(msg, sender, subject, whole)
    automatic = "" if bounce else automatic_reason(msg, subject)
    headers = []
    for key, value in msg.raw_items():
        headers.append((key, str(value)))
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
    )
