"""Mail written by programs: automatic replies (RFC 3834 and common practice) and
delivery reports (RFC 3464, and the common server formats of bounce)."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from casedesk.mime.headers import decoded_text, header_text, message_ids, normalise_address, raw_header

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
POSTMASTERS = frozenset({"postmaster", "mail.delivery.system", "mdaemon", "ndr"})


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
            originals.extend(ORIGINAL_ID_RE.findall(decoded_text(part)))
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
