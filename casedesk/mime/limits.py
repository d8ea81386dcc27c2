"""Bounds on what a received message may ask of the parser, checked before the parser runs.

The standard library's header parser is superlinear in a header's encoded words and
addresses (20,000 encoded words in a Subject cost gigabytes; 50,000 addresses in To: over
a minute), and html5ever, under nh3, in the nesting of the HTML. These checks are linear
scans of the raw bytes (`check_message`), of a single header value (`check_field`, which
the policy in `headers` applies to every value it parses, in any part) and of an HTML body
(`check_html`); over a limit they raise `LimitExceeded` with the reason, and the message
is quarantined unread. The limits are far above what mail clients and mailing lists send.
"""

from __future__ import annotations

import re

MAX_BYTES = 30 * 1024 * 1024  # the whole message
MAX_HEADER_BYTES = 256 * 1024  # the header section (Postfix keeps 100 KiB per header)
MAX_FIELDS = 1000  # header fields in the header section
MAX_FIELD_BYTES = 32 * 1024  # one header field, unfolded
MAX_ENCODED_WORDS = 1000  # RFC 2047 encoded words, in the header section and in one field
MAX_ADDRESSES = 1000  # addresses in the address fields together, and in one field
MAX_HTML_BYTES = 5 * 1024 * 1024  # an HTML body, decoded
MAX_HTML_DEPTH = 500  # elements open inside one another

ADDRESS_FIELDS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "resent-from",
        "resent-sender",
        "resent-to",
        "resent-cc",
        "resent-bcc",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "return-path",
        "mail-followup-to",
        "mail-reply-to",
        "disposition-notification-to",
        "errors-to",
    }
)

# HTML elements that never hold others, or that the HTML parser closes by itself when the
# next one starts (a run of <p> or <li> does not nest).
_NOT_NESTING = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"),
        *("source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th"),
        *("thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp"),
    }
)
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,40})")


class Unparseable(Exception):
    """The message cannot be read within the limits; the reason is fit to show staff."""


class LimitExceeded(Unparseable):
    """The message asks more of the parser than the limits allow."""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def _addresses(value: str) -> int:
    """An upper bound on the addresses in an address field's value: each has an "@" or
    is separated by a comma (a display name's comma only makes the bound higher)."""
    return max(value.count("@"), value.count(",") + 1)


def header_section(raw: bytes) -> bytes:
    """The bytes before the first empty line (all of them when there is none), looking no
    further than just past the header limit."""
    window = raw[: MAX_HEADER_BYTES + 4]
    ends = [i for i in (window.find(b"\n\n"), window.find(b"\n\r\n")) if i >= 0]
    return window[: min(ends) + 1] if ends else window


def fields(head: str) -> list[tuple[str, str]]:
    """The (name, value) of each field of a header section, folded lines joined."""
    found: list[tuple[str, list[str]]] = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and found:
            found[-1][1].append(line)
        elif line.strip():
            name, _, value = line.partition(":")
            found.append((name.strip(), [value]))
    return [(name, "\n".join(value)) for name, value in found]


def check_message(raw: bytes) -> None:
    """Refuse, with the reason, a message whose size or header section is over the limits."""
    if len(raw) > MAX_BYTES:
        raise LimitExceeded(f"message of {_size(len(raw))} is over the {_size(MAX_BYTES)} limit")
    head = header_section(raw)
    if len(head) > MAX_HEADER_BYTES:
        raise LimitExceeded(f"header section over the {_size(MAX_HEADER_BYTES)} limit")
    encoded = head.count(b"=?")
    if encoded > MAX_ENCODED_WORDS:
        raise LimitExceeded(
            f"{encoded:,} encoded words in the header section, over the limit of {MAX_ENCODED_WORDS:,}"
        )
    found = fields(head.decode("latin-1"))
    if len(found) > MAX_FIELDS:
        raise LimitExceeded(f"{len(found):,} header fields, over the limit of {MAX_FIELDS:,}")
    addresses = 0
    for name, value in found:
        check_field(name, value)
        if name.lower() in ADDRESS_FIELDS:
            addresses += _addresses(value)
    if addresses > MAX_ADDRESSES:
        raise LimitExceeded(f"{addresses:,} addresses in the header, over the limit of {MAX_ADDRESSES:,}")


def check_field(name: str, value: str) -> None:
    """Refuse one header value (of any part) that is over the limits, before it is parsed."""
    shown = name[:40].encode("ascii", "replace").decode()
    if len(value) > MAX_FIELD_BYTES:
        raise LimitExceeded(f"a {shown} header field is over the {_size(MAX_FIELD_BYTES)} limit")
    encoded = value.count("=?")
    if encoded > MAX_ENCODED_WORDS:
        raise LimitExceeded(
            f"{encoded:,} encoded words in a {shown} header field, over the limit of {MAX_ENCODED_WORDS:,}"
        )
    if name.lower() in ADDRESS_FIELDS:
        count = _addresses(value)
        if count > MAX_ADDRESSES:
            raise LimitExceeded(
                f"{count:,} addresses in a {shown} header field, over the limit of {MAX_ADDRESSES:,}"
            )


def check_html(html: str) -> None:
    """Refuse an HTML body too large or nested too deep for the HTML sanitiser."""
    if len(html) > MAX_HTML_BYTES:
        raise LimitExceeded(f"HTML body over the {_size(MAX_HTML_BYTES)} limit")
    depth = 0
    for match in _TAG_RE.finditer(html):
        if match.group(2).lower() in _NOT_NESTING:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > MAX_HTML_DEPTH:
            raise LimitExceeded(f"HTML nested deeper than {MAX_HTML_DEPTH} elements")
