"""Who really sent a message, from its raw bytes: the receiving server's word when it is
the configured one, else DKIM, SPF and DMARC checked against a stub DNS."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from casedesk.mime import authentication
from casedesk.mime.authentication import Verdict
from tests.mail.stubdns import DOMAIN, StubDNS, acme, key_record, sign

FROM = f"dana@{DOMAIN}"


def message(sender: str = FROM, body: str = "All desk phones lost registration.\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Dana <{sender}>"
    msg["To"] = "support@example.com"
    msg["Subject"] = "Phones down"
    msg["Date"] = "Wed, 02 Dec 2026 10:00:00 +0000"
    msg["Message-ID"] = "<1@client.example.net>"
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def check(raw: bytes, dns: StubDNS, **kwargs: str) -> authentication.Authentication:
    return authentication.authenticate(raw, FROM, dns, **kwargs)


def test_an_aligned_dkim_signature_passes_dmarc():
    dns = acme()
    found = check(sign(message()), dns)
    assert found.verdict == Verdict.PASS and found.method == "verified"
    assert "dkim=pass header.d=acme.example.com" in found.evidence and "dmarc=pass" in found.evidence
    assert ("test._domainkey.acme.example.com", "TXT") in dns.asked


@pytest.mark.parametrize("ending", [b"\r\n", b"\n", b"\r"])
def test_a_signature_verifies_in_every_line_ending_form(ending):
    signed = sign(message()).replace(b"\r\n", ending)
    assert check(signed, acme()).verdict == Verdict.PASS


def test_a_changed_body_breaks_the_signature_and_dmarc_fails():
    signed = sign(message()).replace(b"lost registration", b"are all fine now")
    found = check(signed, acme())
    assert found.verdict == Verdict.FAIL
    assert "dkim=fail" in found.evidence and "dmarc=fail" in found.evidence


def test_a_signature_of_another_domain_is_not_aligned():
    dns = acme()
    dns.records[("test._domainkey.evil.example", "TXT")] = [key_record()]
    found = check(sign(message(), domain="evil.example"), dns)
    assert "dkim=pass header.d=evil.example" in found.evidence
    assert found.verdict == Verdict.FAIL


def test_spf_for_the_envelope_sender_when_the_client_is_known():
    dns = acme()
    passed = check(message(), dns, mail_from=FROM, ip="192.0.2.10", helo="mx.acme.example.com")
    assert passed.verdict == Verdict.PASS and "spf=pass" in passed.evidence
    forged = check(message(), dns, mail_from=FROM, ip="203.0.113.9", helo="mx.evil.example")
    assert forged.verdict == Verdict.FAIL and "spf=fail" in forged.evidence
    # another envelope sender's SPF pass is not the From domain's
    dns.records[("evil.example", "TXT")] = ["v=spf1 ip4:203.0.113.9 -all"]
    other = check(message(), dns, mail_from="bulk@evil.example", ip="203.0.113.9")
    assert other.verdict == Verdict.FAIL and "spf=pass" in other.evidence


def test_without_a_policy_an_aligned_signature_still_proves_the_sender():
    dns = acme()
    del dns.records[("_dmarc.acme.example.com", "TXT")]
    assert check(sign(message()), dns).verdict == Verdict.PASS
    unsigned = check(message(), dns)
    assert unsigned.verdict == Verdict.NONE and "dmarc=none" in unsigned.evidence


def test_a_dns_failure_gives_no_verdict():
    def down(name: str, qtype: str) -> list:
        raise LookupError("SERVFAIL")

    found = check(sign(message()), down)
    assert found.verdict == Verdict.NONE
    assert "dkim=temperror" in found.evidence


def test_only_the_configured_servers_results_are_believed():
    said = (
        b"Authentication-Results: mx.provider.example; spf=fail smtp.mailfrom=evil.example;\r\n"
        b" dkim=none; dmarc=fail header.from=acme.example.com\r\n"
        b"Authentication-Results: forger.example; dmarc=pass header.from=acme.example.com\r\n"
    )
    raw = said + message()
    dns = StubDNS()
    found = check(raw, dns, authserv_id="mx.provider.example")
    assert found.method == "authentication-results" and found.verdict == Verdict.FAIL
    assert "spf=fail" in found.evidence and dns.asked == []  # no DNS needed
    # the forger's "pass" is nobody's word: checked here instead (no policy found: no verdict)
    assert check(raw, dns, authserv_id="forger2.example").method == "verified"
    assert check(raw, StubDNS(), authserv_id="").verdict == Verdict.NONE


def test_the_receiving_servers_dkim_pass_without_dmarc_is_aligned_or_not():
    pass_ = b"Authentication-Results: mx.provider.example; dkim=pass header.d=acme.example.com\r\n"
    other = b"Authentication-Results: mx.provider.example; dkim=pass header.d=evil.example\r\n"
    assert check(pass_ + message(), StubDNS(), authserv_id="mx.provider.example").verdict == Verdict.PASS
    assert check(other + message(), StubDNS(), authserv_id="mx.provider.example").verdict == Verdict.NONE


def test_an_oversized_header_section_is_not_read_for_signatures():
    raw = b"X-Padding: " + b"a" * (authentication.MAX_HEAD + 10) + b"\r\n" + sign(message())
    found = check(raw, acme())
    assert "header section too large" in found.evidence and found.verdict == Verdict.FAIL
