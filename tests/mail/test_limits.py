"""The parser's limits, checked before the parser runs: each message of the security
review is refused with its reason, and mail within the limits reads as before."""

from __future__ import annotations

import pytest

from casedesk.mime import limits, parse
from tests.mail import hostile
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize(("name", "make", "reason"), hostile.REVIEWED + hostile.EACH_LIMIT)
def test_each_hostile_message_is_refused_with_its_reason(name, make, reason):
    with pytest.raises(limits.LimitExceeded, match=reason):
        parse.parse(make())


def test_the_header_scan_looks_no_further_than_the_limit():
    raw = hostile.folded_subject(10_000_000)
    assert len(limits.header_section(raw)) == limits.MAX_HEADER_BYTES + 4


def test_mail_within_the_limits_reads_as_before():
    subject = "東京オフィスの電話が全部つながりません" * 5  # many encoded words, as clients fold it
    cc = ", ".join(f"Person {i} <p{i}@acme.example.com>" for i in range(400))
    html = "<table>" + "<tr><td><p>cell</p></td></tr>" * 2000 + "</table>" + "<div>" * 100 + "</div>" * 100
    raw = make_mail("dana@acme.example.com", subject=subject, headers={"Cc": cc}, html=html)
    assert raw.count(b"=?") > 5
    parsed = parse.parse(raw)
    assert parsed.subject == subject
    assert len(parsed.recipients) == 401 and parsed.html


def test_html_nesting_counts_only_elements_that_nest():
    limits.check_html("<p>" * 10_000 + "<li>" * 10_000 + "<br>" * 10_000)  # closed by the next one
    limits.check_html("<div>x</div>" * 10_000)
    with pytest.raises(limits.LimitExceeded, match="nested deeper"):
        limits.check_html("<span>" * 501)
    with pytest.raises(limits.LimitExceeded, match="HTML body over"):
        limits.check_html("x" * (limits.MAX_HTML_BYTES + 1))


def test_an_inner_message_header_over_the_limits_is_refused():
    inner = hostile.addresses(1500)
    raw = (
        b"From: dana@acme.example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfwd\r\n'
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )
    with pytest.raises(limits.LimitExceeded, match="addresses in a To header field"):
        parse.parse(raw)
