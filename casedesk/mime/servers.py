"""Delivery failures in the plain-text forms of particular mail servers and mailing-list
managers, which write no RFC 3464 report and which neither the common forms (`bounces`)
nor Mailman's detectors read: OpenSMTPD, the Verizon and Apache James gateways, the
Japanese mobile carriers (au by KDDI, EZweb), sendmail 5 and fml.

Each form is told by text its program always writes, and says which addresses failed.
Whether a failure is permanent follows what it says, as Sisimai classifies it: an unknown
user or domain is; a full mailbox, a suspended account, a message given up on after days
of retrying or a list's loop alert is not (the address may work again)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from casedesk.mime.headers import normalise_address, raw_header

ADDRESS = r"<?([^\s<>@\"():;,]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+)>?"
# Said of an address that may work again (Sisimai's "soft bounce").
TRANSIENT_RE = re.compile(
    r"mailbox (is )?full|over ?quota|account is disabled|suspend|deferred|timed out|"
    r"cannot send message for \d+ days|loop alert|\b4\d\d\b|\b4\.\d{1,3}\.\d{1,3}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ServerFailure:
    server: str
    addresses: tuple[str, ...]
    permanent: bool
    evidence: str


def _failure(server: str, found: list[tuple[str, str]]) -> ServerFailure | None:
    """From (address, what was said of it) pairs."""
    addresses: list[str] = []
    said: list[str] = []
    for raw, text in found:
        address = normalise_address(raw)
        if address and address not in addresses:
            addresses.append(address)
            said.append(" ".join(text.split())[:200])
    if not addresses:
        return None
    permanent = not all(TRANSIENT_RE.search(text) for text in said)
    return ServerFailure(server, tuple(addresses[:20]), permanent, "; ".join(said)[:500])


OPENSMTPD_RE = re.compile(r"^\s*This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail\.", re.M)
OPENSMTPD_LINE_RE = re.compile(rf"^{ADDRESS}: (.+)$", re.M)


def _opensmtpd(msg: Message, text: str) -> ServerFailure | None:
    if not OPENSMTPD_RE.search(text):
        return None
    listed = text.split("following list of recipients:", 1)[-1].split("Below is a copy", 1)[0]
    return _failure("OpenSMTPD", [(m.group(1), m.group(2)) for m in OPENSMTPD_LINE_RE.finditer(listed)])


# Verizon's gateway, and Apache James (whose mailet writes the same form).
GATEWAY_RE = re.compile(r"^Error message below:\s*\n(.+)$", re.M)
GATEWAY_RCPT_RE = re.compile(rf"^\s*RCPT TO:\s*{ADDRESS}\s*$", re.M)


def _gateway(msg: Message, text: str) -> ServerFailure | None:
    said = GATEWAY_RE.search(text)
    rcpt = GATEWAY_RCPT_RE.findall(text)
    if said is None or not rcpt or "Message details:" not in text:
        return None
    return _failure("Verizon/Apache James gateway", [(a, said.group(1)) for a in rcpt])


EZWEB_RE = re.compile(r"(?:Recipient:\s*|^)<([^\s<>@]+@ezweb\.ne\.jp)>\s*$", re.M)


def _ezweb(msg: Message, text: str) -> ServerFailure | None:
    sender = raw_header(msg, "From").lower()
    if "ezweb.ne.jp" not in sender:
        return None
    found = EZWEB_RE.findall(text)
    said = re.search(r"^(<<< .+|The user\(s\) account is disabled\.|.*User unknown.*)$", text, re.M)
    why = said.group(1) if said else "rejected"
    return _failure("EZweb (au)", [(a, why) for a in found])


KDDI_RE = re.compile(rf"Could not be delivered to:\s*{ADDRESS}\s*\n\s*(.+)", re.M)


def _kddi(msg: Message, text: str) -> ServerFailure | None:
    sender = raw_header(msg, "From").lower()
    if not any(domain in sender for domain in ("dion.ne.jp", "auone-net.jp", "ezweb.ne.jp", "kddi")):
        return None
    return _failure("KDDI (au one net)", [(m.group(1), m.group(2)) for m in KDDI_RE.finditer(text)])


SENDMAIL5_RE = re.compile(
    r"^\s*-+ Transcript of session follows -+\s*\n(.+?)\n.*?^\s*-+ Unsent message follows -+", re.S | re.M
)
UNSENT_TO_RE = re.compile(rf"^To:\s*(?:[^<\n]*<)?{ADDRESS}>?\s*$", re.M | re.I)


def _sendmail5(msg: Message, text: str) -> ServerFailure | None:
    found = SENDMAIL5_RE.search(text)
    if found is None:
        return None
    unsent = text[found.end() :]
    said = f"{found.group(1).strip()} ({raw_header(msg, 'Subject').strip()})"
    return _failure("sendmail 5", [(a, said) for a in UNSENT_TO_RE.findall(unsent)[:20]])


FML_LIST_RE = re.compile(rf"(?:Duplicated Message-ID|not a member|rejected) in {ADDRESS}", re.I)


def _fml(msg: Message, text: str) -> ServerFailure | None:
    if not raw_header(msg, "X-MLServer").lower().startswith("fml"):
        return None
    subject = raw_header(msg, "Subject").strip()
    return _failure("fml (mailing-list manager)", [(a, subject) for a in FML_LIST_RE.findall(text)])


FORMS: tuple[Callable[[Message, str], ServerFailure | None], ...] = (
    _opensmtpd,
    _gateway,
    _ezweb,
    _kddi,
    _sendmail5,
    _fml,
)


def server_failure(msg: Message, whole_text: str) -> ServerFailure | None:
    """The failure a server's own form reports, or None."""
    text = whole_text[:200_000]
    for form in FORMS:
        found = form(msg, text)
        if found is not None:
            return found
    return None
