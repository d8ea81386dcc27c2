"""The messages of the security review that exhausted the server, made on the spot (none
is kept as a file), and smaller ones that reach each limit on its own."""

from __future__ import annotations

HEAD = (
    b"From: dana.mpoc@acme.example.com\r\nTo: support@example.com\r\n"
    b"Message-ID: <%s@attacker.example.net>\r\n"
)


def _head(tag: str) -> bytes:
    return HEAD % tag.encode()


def encoded_words(count: int, word: bytes = b"=?utf-8?q?a?=") -> bytes:
    """`count` RFC 2047 encoded words in the Subject (20,000 of these are 0.28 MB)."""
    subject = b" ".join([word] * count)
    return _head(f"words-{count}") + b"Subject: " + subject + b"\r\n\r\nhello\r\n"


def folded_subject(size: int) -> bytes:
    """A Subject of `size` bytes, folded on every word."""
    subject = b"\r\n ".join([b"word"] * (size // 7))
    return _head(f"folded-{size}") + b"Subject: " + subject + b"\r\n\r\nhello\r\n"


def addresses(count: int) -> bytes:
    to = b", ".join(b"u%d@x.org" % i for i in range(count))
    return (
        b"From: dana.mpoc@acme.example.com\r\nTo: "
        + to
        + b"\r\nSubject: many\r\nMessage-ID: <to-%d@attacker.example.net>\r\n\r\nhello\r\n" % count
    )


def nested_divs(count: int) -> bytes:
    html = b"<div>" * count + b"deep" + b"</div>" * count
    return (
        _head(f"divs-{count}")
        + b"Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html
        + b"\r\n"
    )


def header_fields(count: int) -> bytes:
    fields = b"".join(b"X-Filler-%d: x\r\n" % i for i in range(count))
    return _head(f"fields-{count}") + fields + b"Subject: fields\r\n\r\nhello\r\n"


def long_field(size: int) -> bytes:
    return _head(f"long-{size}") + b"Subject: " + b"x" * size + b"\r\n\r\nhello\r\n"


def attachment_named(words: int) -> bytes:
    """An attachment whose file name is `words` encoded words: the limit holds in a part's
    header too, not just in the message's."""
    name = b" ".join([b"=?utf-8?q?a?="] * words)
    return (
        _head(f"filename-{words}")
        + b'Subject: file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        + b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename="'
        + name
        + b'"\r\n\r\nAAAA\r\n--b--\r\n'
    )


def marked(marker: str) -> bytes:
    """A message the misbehaving parser (`hostile_worker`) acts on."""
    return (
        _head(f"marker-{marker}") + f"Subject: {marker}\r\nX-Test-Parser: {marker}\r\n\r\nhello\r\n".encode()
    )


# (name, message, what the quarantine reason says): the review's messages first.
REVIEWED = [
    ("20,000 encoded words in the Subject (0.28 MB)", lambda: encoded_words(20_000), "header section over"),
    ("5.6 MB of encoded words", lambda: encoded_words(400_000), "header section over"),
    ("a 10 MB folded Subject", lambda: folded_subject(10_000_000), "header section over"),
    ("50,000 addresses in To:", lambda: addresses(50_000), "header section over"),
    ("60,000 nested <div>s", lambda: nested_divs(60_000), "HTML nested deeper than 500"),
]
EACH_LIMIT = [
    ("20,000 short encoded words", lambda: encoded_words(20_000, b"=?a?q??="), "20,000 encoded words"),
    ("1,500 addresses in To:", lambda: addresses(1500), "1,500 addresses in a To header field"),
    ("a 40 KiB Subject", lambda: long_field(40 * 1024), "Subject header field is over the 32 KiB"),
    ("1,100 header fields", lambda: header_fields(1100), "1,104 header fields"),
    ("2,000 encoded words in a file name", lambda: attachment_named(2000), "2,000 encoded words in a"),
]
