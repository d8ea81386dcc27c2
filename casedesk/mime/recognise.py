"""Which program wrote a message, if one did, and what it says: the one place intake asks.

Recognisers in the order tried, the most specific first: feedback reports and sending
services' JSON notifications (`feedback`), RFC 3464 delivery reports and the common server
formats (`bounces`), Mailman's detectors (`flufl.bounce`) for the many formats of mail
servers that write neither, and automatic replies (RFC 3834 and common practice). Each
verdict names its detector and the evidence it rests on, so an outcome can say why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import Message

from flufl.bounce import all_failures

from casedesk.mime import feedback, servers
from casedesk.mime.bounces import BOUNCE_SUBJECT_RE, Bounce, automatic_reason, find_bounce
from casedesk.mime.headers import normalise_address, raw_header

PERMANENT = "bounce_permanent"
TRANSIENT = "bounce_transient"
COMPLAINT = "complaint"
AUTO_REPLY = "auto_reply"
# A complaint or a permanent failure: the address should get no more non-essential mail.
SUPPRESSING = (PERMANENT, COMPLAINT)

logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)  # it logs every detector it runs


@dataclass(frozen=True)
class Recognition:
    kind: str  # PERMANENT, TRANSIENT, COMPLAINT or AUTO_REPLY
    addresses: tuple[str, ...]
    detector: str
    evidence: str

    @property
    def address(self) -> str:
        return self.addresses[0] if self.addresses else ""

    @property
    def explanation(self) -> str:
        return f"{self.detector}: {self.evidence}"


def _bounce_evidence(bounce: Bounce) -> str:
    said = [f"Action: {bounce.action}"]
    if bounce.status:
        said.append(f"Status: {bounce.status}")
    if bounce.diagnostic:
        said.append(f"Diagnostic-Code: {bounce.diagnostic[:200]}")
    return ", ".join(said)


def _flufl(msg: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # a detector tripping on an odd message is no verdict
        return (), ()

    def addresses(found: frozenset[bytes]) -> tuple[str, ...]:
        decoded = (normalise_address(a.decode("utf-8", "replace")) for a in sorted(found))
        return tuple(dict.fromkeys(a for a in decoded if "@" in a))[:20]

    return addresses(temporary), addresses(permanent)


SYSTEM_SENDER_RE = re.compile(r"daemon|postmaster|mailer|bounce|^ndr$|delivery|mail-?system", re.I)


def _machine_made(msg: Message, sender: str, subject: str) -> bool:
    """Signs that a program sent it, without which Mailman's looser detectors (which read
    addresses out of any text) are not asked: a person's reply quoting a list of
    recipients would look like a failure report to them."""
    if not sender or raw_header(msg, "Return-Path").strip() == "<>":
        return True
    if SYSTEM_SENDER_RE.search(sender.split("@", 1)[0]):
        return True
    return bool(BOUNCE_SUBJECT_RE.search(subject or "")) or msg.get_content_type() == "multipart/report"


def recognise(
    msg: Message, sender: str, subject: str, whole_text: str
) -> tuple[Recognition | None, Bounce | None, str]:
    """(the verdict, the delivery report intake records, why the message is automatic)."""
    notice = feedback.feedback_report(msg, subject) or feedback.json_notification(whole_text)
    if notice is not None:
        kind = {"complaint": COMPLAINT, "permanent": PERMANENT}.get(notice.kind, TRANSIENT)
        action = {COMPLAINT: "complained", PERMANENT: "failed"}.get(kind, "delayed")
        said = Bounce(notice.addresses, (), action=action, diagnostic=notice.evidence[:500])
        return Recognition(kind, notice.addresses, notice.detector, notice.evidence), said, ""
    bounce = find_bounce(msg, sender, subject, whole_text)
    if bounce is not None and bounce.recipients and bounce.status:
        kind = PERMANENT if bounce.permanent else TRANSIENT
        report = Recognition(kind, bounce.recipients, "delivery report (RFC 3464)", _bounce_evidence(bounce))
        return report, bounce, ""
    # Not a report: the particular forms of servers and list managers, then the common ones.
    server = servers.server_failure(msg, whole_text)
    if server is not None:
        kind = PERMANENT if server.permanent else TRANSIENT
        ids = bounce.original_ids if bounce is not None else ()
        action, status = ("failed", "5.0.0") if server.permanent else ("delayed", "4.0.0")
        said = Bounce(server.addresses, ids, action=action, status=status, diagnostic=server.evidence)
        detector = f"delivery report ({server.server}'s own form)"
        return Recognition(kind, server.addresses, detector, server.evidence), said, ""
    if bounce is not None and bounce.recipients:
        kind = PERMANENT if bounce.permanent else TRANSIENT
        detector = "delivery report (server's own form)"
        return Recognition(kind, bounce.recipients, detector, _bounce_evidence(bounce)), bounce, ""
    automatic = automatic_reason(msg, subject)
    if bounce is not None or (not automatic and _machine_made(msg, sender, subject)):
        temporary, permanent = _flufl(msg)
        if permanent or temporary:
            kind = PERMANENT if permanent else TRANSIENT
            found = permanent or temporary
            action = "failed" if permanent else "delayed"
            status = "5.0.0" if permanent else "4.0.0"
            ids = bounce.original_ids if bounce is not None else ()
            bounce = Bounce(found, ids, action=action, status=status)
            evidence = f"{'permanent' if permanent else 'temporary'} failure for {', '.join(found)}"
            return Recognition(kind, found, "flufl.bounce (Mailman's detectors)", evidence), bounce, ""
    if bounce is not None:
        why = f"from {sender or 'no sender'}, subject {subject!r}"
        return Recognition(PERMANENT, (), "delivery report (server's own form)", why), bounce, ""
    if automatic:
        return (
            Recognition(AUTO_REPLY, (sender,) if sender else (), "automatic reply (RFC 3834)", automatic),
            None,
            automatic,
        )
    return None, None, ""
