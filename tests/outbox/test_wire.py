"""The bytes a large batch sends are those Django's SMTP backend would have sent."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives

from casedesk.outbox import wire

BOUNDARY = re.compile(rb"={15}[0-9]{19}==")
LINK = "http://127.0.0.1:8000/status/subscriptions/" + "T" * 43 + "/unsubscribe/"

CASES = [
    {"subject": "[Monitoring] Calls dropping (CS-000001)", "text": "Hello\nTwo\n", "html": "<p>Hi</p>\n"},
    {"subject": "Plain only", "text": "No HTML here.", "html": ""},
    {"subject": "Ünïcode subject — with a dash", "text": "Grüße\r\nand more\r", "html": "<p>é</p>"},
    {"subject": "A subject " + "long " * 30, "text": "", "html": "<b>x</b>"},
    {"subject": "s", "text": "a" * 999 + "\n", "html": ""},
    {"subject": "s", "text": "a" * 998 + "\n", "html": "é" * 499},
    {"subject": "s", "text": "x", "html": "", "headers": {"List-Unsubscribe": f"<{LINK}>"}},
    {"subject": "s", "text": "x", "html": "", "headers": {"X-A": "b" * 73, "X-B": "c" * 74, "X-C": "d" * 75}},
    {"subject": "s", "text": "x", "html": "", "headers": {"X-Two": "a  b", "X-Lead": " a", "X-Tab": "a\tb"}},
    {
        "subject": "s",
        "text": "x",
        "html": "",
        "headers": {f"X-{n}": "<" + "e" * n + ">" for n in range(60, 80)},
    },
    {"subject": "s", "text": "x", "html": "", "headers": {"X-" + "N" * n: "f" * 40 for n in range(28, 40)}},
    {
        "subject": "Reply",
        "text": "x",
        "html": "<p>x</p>",
        "to": "Ann Example <ann@example.com>",
        "headers": {
            "Reply-To": "support+CS-000123.ab12cd34@example.com",
            "In-Reply-To": "<p@example.com>",
            "References": "<a@example.com> <b@example.com> <c@example.com> <d@example.com> <e@example.com>",
            "From": "Rebiller Ltd <support@example.com>",
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    },
    {"subject": "s", "text": "x", "html": "", "to": "jürgen@exämple.de", "headers": {"Cc": "c@example.com"}},
    {
        "subject": "s",
        "text": "x",
        "html": "",
        "headers": {"From": "Zoë <support@example.com>", "reply-to": "r@x"},
    },
    {"subject": "s", "text": "x", "html": "", "headers": {"Date": "Mon, 07 Dec 2026 10:00:00 -0000"}},
]


def django_bytes(case: dict) -> bytes:
    headers = {"Message-ID": "<m1@example.com>", **case.get("headers", {})}
    email = EmailMultiAlternatives(
        subject=case["subject"],
        body=case["text"],
        from_email="support@example.com",
        to=[case.get("to", "sub1@example.net")],
        headers=headers,
    )
    if case["html"]:
        email.attach_alternative(case["html"], "text/html")
    return email.message().as_bytes(linesep="\r\n")


def wire_bytes(case: dict) -> bytes | None:
    return wire.wire(
        subject=case["subject"],
        from_email="support@example.com",
        to=case.get("to", "sub1@example.net"),
        headers={"Message-ID": "<m1@example.com>", **case.get("headers", {})},
        text=case["text"],
        html=case["html"],
        memo=wire.Memo(),
    )


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_the_bytes_are_those_of_django_or_left_to_django(case):
    with time_machine.travel("2026-12-07 14:00:00 +0000", tick=False):
        ours, theirs = wire_bytes(case), django_bytes(case)
    if ours is None:  # a row the package must build: a long line, quoted-printable
        assert b"quoted-printable" in theirs
        return
    assert BOUNDARY.sub(b"B", ours) == BOUNDARY.sub(b"B", theirs)


def test_a_long_line_is_left_to_django():
    assert wire_bytes(CASES[4]) is None


def test_a_memo_gives_the_same_lines_twice():
    memo = wire.Memo()
    args = {"subject": "Ünï", "from_email": "a@example.com", "to": "b@example.com", "text": "t", "html": ""}
    with time_machine.travel("2026-12-07 14:00:00 +0000", tick=False):
        first = wire.wire(headers={"Message-ID": "<1@x>"}, memo=memo, **args)
        second = wire.wire(headers={"Message-ID": "<1@x>"}, memo=memo, **args)
    assert first == second and memo


@pytest.mark.parametrize(
    ("address", "plain"),
    [("a@example.com", True), ("a.b+c=d@x-y.example", True), ("a..b@x.y", False), ("Ann <a@x.y>", False)],
)
def test_plain_addresses_are_those_sanitize_address_keeps(address, plain):
    from django.core.mail.message import sanitize_address

    assert wire.plain_address(address) is plain
    if plain:
        assert sanitize_address(address, "utf-8") == address
