"""A rebiller's brand as its customers see it (Client Support Plan §1): what a brand's
values may be, and the only CSS made from them.

Every value comes from outside (a rebiller's administrator or the provider's admin typing
it), so each is checked against an allow-list here and again where it is used: a colour is
a six-digit hex value and nothing else ever reaches a stylesheet; a name has no control
characters (it goes into an e-mail's From display name); a web address is https; a phone
is digits and the usual punctuation. Pages and e-mails escape them all the same.

Pure Python: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

HEX = re.compile(r"#[0-9a-f]{6}")
PHONE = re.compile(r"\+?[0-9][0-9 ().\-]{3,30}")
NAME_MAX = 80
DEFAULT_PRIMARY = "#12263f"  # the portal's own header colour
DEFAULT_ACCENT = "#0b5cad"
DARK_INK, LIGHT_INK = "#1d2733", "#ffffff"


class BadBrand(ValueError):
    """A value a brand may not have; `str(exc)` says which and why."""


def colour(value: str) -> str:
    """The colour as `#rrggbb` (lower case), or BadBrand."""
    text = (value or "").strip().lower()
    if not HEX.fullmatch(text):
        raise BadBrand(f"A colour is written #rrggbb, six hexadecimal digits (e.g. #0b5cad); not {value!r}.")
    return text


def safe_colour(value: str | None, default: str) -> str:
    """The colour if it is one, else `default`: what a stylesheet is made from, so that a
    value stored before the check, or changed behind it, never reaches CSS."""
    try:
        return colour(value or "")
    except BadBrand:
        return default


def _luminance(hex_colour: str) -> float:
    def channel(i: int) -> float:
        c = int(hex_colour[i : i + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def ink_on(background: str) -> str:
    """White or dark text, whichever reads better on `background` (WCAG contrast)."""
    lum = _luminance(safe_colour(background, DEFAULT_PRIMARY))
    white = 1.05 / (lum + 0.05)
    dark = (lum + 0.05) / (_luminance(DARK_INK) + 0.05)
    return LIGHT_INK if white >= dark else DARK_INK


def stylesheet(primary: str | None, accent: str | None) -> str:
    """The brand's CSS: custom properties on :root, each value an allow-listed colour."""
    p = safe_colour(primary, DEFAULT_PRIMARY)
    a = safe_colour(accent, DEFAULT_ACCENT)
    return (
        ":root{"
        f"--brand-primary:{p};--brand-on-primary:{ink_on(p)};"
        f"--brand-accent:{a};--brand-on-accent:{ink_on(a)};"
        "}\n"
    )


def name(value: str) -> str:
    """A brand name: one line, no control or format characters, at most 80 characters."""
    text = " ".join((value or "").split())
    if not text:
        raise BadBrand("Give the brand a name.")
    if len(text) > NAME_MAX:
        raise BadBrand(f"A brand name is at most {NAME_MAX} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text):
        raise BadBrand("A brand name may not hold control or invisible characters.")
    return text


def phone(value: str) -> str:
    """A support phone as people write it: digits, spaces, + ( ) . -; blank for none."""
    text = " ".join((value or "").split())
    if text and not PHONE.fullmatch(text):
        raise BadBrand("A phone number holds digits, spaces and + ( ) . - only.")
    return text


def web_address(value: str) -> str:
    """A support web address: https, with a host; blank for none."""
    text = (value or "").strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or any(ch.isspace() for ch in text):
        raise BadBrand("A support web address starts with https:// and names a host.")
    return text
