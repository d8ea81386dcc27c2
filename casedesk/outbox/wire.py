"""An outbox row as the bytes the SMTP backend would send, built without the e-mail package.

A fan-out sends thousands of rows alike but for the address, the Message-ID and a link or
two. Django's `EmailMultiAlternatives.message().as_bytes()` builds each through the e-mail
package's objects, header classes and folding, which costs more than sending it. `wire`
writes the same bytes directly for the rows that need nothing but plain text parts (no
attachment, no line over the 998-octet limit, which the package would quoted-printable
encode): the header lines in the order and with the folding `message()` gives them (each
distinct value folded once by the package's own policy), the parts as `SafeMIMEText`
writes them. Any other row is built by Django as before (`None`). A test holds the two
byte for byte.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Mapping
from email import policy
from email.utils import formatdate

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers

_FOLD = policy.compat32.clone(linesep="\r\n")
_NL = re.compile(r"\r\n|\r|\n")
# Values that folding leaves as they are when the line fits: printable ASCII, no spaces.
_PLAIN = re.compile(r"[\x21-\x7e]*")
_WIDTH = len(repr(sys.maxsize - 1))  # the digits of a boundary (`email.generator`)
_SKIPPED = frozenset({"from", "to", "cc", "reply-to"})  # set before the rest, by `message()`
MEMO = 4096  # distinct header values a batch folds once each


class Memo(dict[tuple[str, str], bytes]):
    """Header lines already folded, for one batch; and its envelope sender."""

    envelope_from = ""


def _line(name: str, value: str, memo: Memo) -> bytes:
    if len(value) <= 77 and name.lower() != "subject" and value.isascii() and _PLAIN.fullmatch(value):
        if len(name) + len(value) <= 76:
            return f"{name}: {value}\r\n".encode("ascii")
        return f"{name}: \r\n {value}\r\n".encode("ascii")  # one word: it starts the next line
    key = (name, value)
    line = memo.get(key)
    if line is None:
        name, folded = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
        line = _FOLD.fold_binary(name, folded)
        if len(memo) < MEMO:
            memo[key] = line
    return line


def _part(text: str, subtype: str) -> bytes | None:
    """A text part's headers and body as `SafeMIMEText(text, subtype, "utf-8")` writes them."""
    if any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in text.splitlines()
    ):
        return None
    body = "\r\n".join(_NL.split(text))
    cte = "7bit" if body.isascii() else "8bit"
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"MIME-Version: 1.0\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode("ascii") + body.encode("utf-8")


def _boundary(parts: tuple[bytes, ...]) -> str:
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_WIDTH}d}" + "=="  # noqa: S311 - not a secret
        marker = f"--{boundary}".encode("ascii")
        if not any(marker in part for part in parts):
            return boundary


def wire(
    *,
    subject: str,
    from_email: str,
    to: str,
    headers: Mapping[str, str],
    text: str,
    html: str,
    memo: Memo,
) -> bytes | None:
    """The bytes of `EmailMultiAlternatives(subject, text, from_email, [to], headers=headers)`
    with `html` as its alternative (none if empty), or None when this row needs the e-mail
    package (see the module's note)."""
    if settings.DEFAULT_CHARSET.lower() != "utf-8":
        return None
    plain = _part(text, "plain")
    if plain is None:
        return None
    lines: list[bytes] = []
    if html:
        rich = _part(html, "html")
        if rich is None:
            return None
        parts = (plain, rich) if text else (rich,)  # `message()` leaves out an empty body
        boundary = _boundary(parts)
        # Folded by the package at the "; " whatever the digits: a boundary has a fixed width.
        lines.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii"))
        lines.append(b"MIME-Version: 1.0\r\n")
        marker = f"--{boundary}".encode("ascii")
        body = marker + b"\r\n" + (b"\r\n" + marker + b"\r\n").join(parts) + b"\r\n" + marker + b"--\r\n"
    else:
        head, _, body = plain.partition(b"\r\n\r\n")
        lines.append(head + b"\r\n")
    lines.append(_line("Subject", subject, memo))
    lines.append(_line("From", headers.get("From", from_email), memo))
    lines.append(_line("To", headers.get("To", to), memo))
    for name in ("Cc", "Reply-To"):
        if name in headers:
            lines.append(_line(name, headers[name], memo))
    names = {name.lower() for name in headers}
    if "date" not in names:
        lines.append(_line("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME), memo))
    if "message-id" not in names:
        return None  # the outbox always sets one
    for name, value in headers.items():
        if name.lower() not in _SKIPPED:
            lines.append(_line(name, value, memo))
    return b"".join(lines) + b"\r\n" + body


def plain_address(address: str) -> bool:
    """Whether `sanitize_address` would give `address` back as it is."""
    return bool(_ADDRESS.fullmatch(address))


_ADDRESS = re.compile(r"[A-Za-z0-9_%+=-]+(?:\.[A-Za-z0-9_%+=-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
