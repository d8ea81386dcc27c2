"""A DNS of the tests' own for sender authentication: records from a table, and every
question asked kept, so a test can say what was looked up. Nothing reaches a network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dkim

KEYS = Path(__file__).resolve().parent / "keys"
SELECTOR = "test"
DOMAIN = "acme.example.com"


def private_key() -> bytes:
    return (KEYS / "dkim-test-only.key").read_bytes()


def key_record() -> str:
    return f"v=DKIM1; k=rsa; p={(KEYS / 'dkim-test-only.pub').read_text().strip()}"


def sign(raw: bytes, domain: str = DOMAIN) -> bytes:
    """The message with a DKIM signature of `domain` made by the test-only key."""
    headers = [b"from", b"to", b"subject", b"date", b"message-id"]
    return dkim.sign(raw, SELECTOR.encode(), domain.encode(), private_key(), include_headers=headers) + raw


class StubDNS:
    def __init__(self, records: dict[tuple[str, str], list[Any]] | None = None) -> None:
        self.records = dict(records or {})
        self.asked: list[tuple[str, str]] = []

    def __call__(self, name: str, qtype: str) -> list[Any]:
        self.asked.append((name.lower(), qtype))
        return list(self.records.get((name.lower().rstrip("."), qtype), []))


def acme(policy: str = "reject", spf: str = "v=spf1 ip4:192.0.2.10 -all") -> StubDNS:
    """The customer's domain: its DKIM key, its SPF and its DMARC policy."""
    return StubDNS(
        {
            (f"{SELECTOR}._domainkey.{DOMAIN}", "TXT"): [key_record()],
            (DOMAIN, "TXT"): [spf],
            (f"_dmarc.{DOMAIN}", "TXT"): [f"v=DMARC1; p={policy}"],
        }
    )
