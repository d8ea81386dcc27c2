"""Whether a received message is from whom its From: says, before it acts as that person.

The verdict (`mime.authentication`) is the receiving server's when its Authentication-Results
field carries `CASEDESK_MAIL_AUTHSERV_ID`, else the desk's own (DKIM, SPF, DMARC), looked
up through the process's resolver: the system's DNS (`CASEDESK_MAIL_DNS=system`), none at
all (`none`: every message without the server's word is unverified), or what a test
installs with `resolving`. It is recorded on the received message, and the rule
(`rules.senders`) with the organisation's choice says whether the message is believed,
taken but marked "sender not verified", or quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dns.exception
import dns.resolver
from django.conf import settings

from casedesk.core import mailboxes
from casedesk.mail.models import InboundMessage
from casedesk.mime import parse
from casedesk.mime.authentication import Authentication, Resolver, authenticate
from casedesk.rules import senders as rules

DNS_SECONDS = 5.0  # per look-up; a slow domain leaves its mail unverified, not stuck

_installed: Resolver | None = None
_system: dns.resolver.Resolver | None = None


def system_resolver(name: str, qtype: str) -> list[Any]:
    """The system's DNS, with answers cached for their time to live."""
    global _system
    if _system is None:
        _system = dns.resolver.Resolver()
        _system.cache = dns.resolver.LRUCache(10_000)
        _system.lifetime = DNS_SECONDS
    try:
        answer = _system.resolve(name, qtype, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise LookupError(f"{name} {qtype}: {exc}") from exc
    out: list[Any] = []
    for record in answer.rrset or []:
        if qtype == "TXT":
            out.append(b"".join(record.strings).decode("utf-8", "replace"))
        elif qtype in ("A", "AAAA"):
            out.append(record.address)
        elif qtype == "MX":
            out.append((record.preference, record.exchange.to_text(True)))
        elif qtype == "PTR":
            out.append(record.target.to_text(True))
    return out


def no_dns(name: str, qtype: str) -> list[Any]:
    return []


def resolver() -> Resolver:
    if _installed is not None:
        return _installed
    return no_dns if settings.CASEDESK_MAIL_DNS == "none" else system_resolver


@contextmanager
def resolving(stub: Resolver) -> Iterator[None]:
    """Answer the process's DNS look-ups from `stub` (tests: every thread of intake)."""
    global _installed
    before, _installed = _installed, stub
    try:
        yield
    finally:
        _installed = before


def worth_checking(parsed: parse.ParsedMessage) -> bool:
    """Only mail that may act as a person is checked: not automatic mail, not the desk's own."""
    return (
        bool(parsed.sender)
        and parsed.bounce is None
        and not parsed.automatic
        and not mailboxes.is_ours(parsed.sender)
    )


def check(row: InboundMessage, parsed: parse.ParsedMessage) -> Authentication | None:
    """The verdict on a received message, also kept on its row (recorded with its outcome)."""
    if not worth_checking(parsed):
        return None
    found = authenticate(
        bytes(row.raw),
        parsed.sender,
        resolver(),
        authserv_id=settings.CASEDESK_MAIL_AUTHSERV_ID,
        mail_from=row.envelope_from,
    )
    row.auth_method, row.auth_result, row.auth_evidence = (
        found.method,
        found.verdict,
        found.evidence[:2000],
    )
    return found


def judge(
    found: Authentication | None, unverified: str, *, signed_for_other: bool = False
) -> tuple[rules.Action, str]:
    """What to do with a message acting for a contact of an organisation whose choice for
    unverified mail is `unverified`, and why when it is quarantined."""
    verdict = rules.Verdict(found.verdict) if found is not None else rules.Verdict.NONE
    evidence = found.evidence if found is not None else "not checked"
    choice = (
        rules.Unverified.QUARANTINE if unverified == rules.Unverified.QUARANTINE else rules.Unverified.MARK
    )
    action = rules.action(verdict, choice, signed_for_other=signed_for_other)
    return action, rules.reason(verdict, evidence, choice, signed_for_other=signed_for_other)
