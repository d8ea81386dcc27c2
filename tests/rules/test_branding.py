"""A brand's values: allow-lists, and the only CSS made from them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import branding as rules

SHEET = re.compile(
    r":root\{--brand-primary:#[0-9a-f]{6};--brand-on-primary:#[0-9a-f]{6};"
    r"--brand-accent:#[0-9a-f]{6};--brand-on-accent:#[0-9a-f]{6};\}\n"
)


@pytest.mark.parametrize(
    ("value", "expected"), [("#0B5CAD", "#0b5cad"), (" #ffffff ", "#ffffff"), ("#000000", "#000000")]
)
def test_a_colour_is_six_hex_digits(value, expected):
    assert rules.colour(value) == expected


@pytest.mark.parametrize(
    "value",
    ["red", "#fff", "#12345g", "#1234567", "0b5cad", "#0b5cad;}body{display:none", "url(x)", "", "var(--x)"],
)
def test_anything_else_is_refused(value):
    with pytest.raises(rules.BadBrand, match="#rrggbb"):
        rules.colour(value)


@given(st.text(max_size=40), st.text(max_size=40))
def test_the_stylesheet_holds_only_allow_listed_colours_whatever_is_stored(primary, accent):
    assert SHEET.fullmatch(rules.stylesheet(primary, accent))


def test_the_stylesheet_falls_back_to_the_portals_colours():
    sheet = rules.stylesheet("#fff;} * {background:url(//evil)}", None)
    assert rules.DEFAULT_PRIMARY in sheet and rules.DEFAULT_ACCENT in sheet and "evil" not in sheet


@pytest.mark.parametrize(
    ("background", "ink"), [("#ffffff", "#1d2733"), ("#12263f", "#ffffff"), ("#ffd400", "#1d2733")]
)
def test_text_on_a_colour_is_whichever_reads_better(background, ink):
    assert rules.ink_on(background) == ink


@pytest.mark.parametrize(
    "value", ["", "Acme\nBcc: x@example.com", "Acme\r\n", "A\u202eB", "A\x00B", "x" * 81]
)
def test_a_name_is_one_clean_line(value):
    if "\n" in value:
        # Folded whitespace is one space: a newline cannot survive into a header.
        assert "\n" not in rules.name(value) and "\r" not in rules.name(value)
        return
    with pytest.raises(rules.BadBrand):
        rules.name(value)


def test_a_name_keeps_quotes_and_angle_brackets_for_escaping_later():
    assert rules.name(' Acme "Voice" <b> ') == 'Acme "Voice" <b>'


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "http://acme.example", "https://", "data:text/html,x", "https://a b.example"],
)
def test_a_support_web_address_is_https(value):
    with pytest.raises(rules.BadBrand):
        rules.web_address(value)


def test_a_support_web_address_and_phone():
    assert rules.web_address("https://help.acme.example/support") == "https://help.acme.example/support"
    assert rules.phone("+1 (303) 555-0199") == "+1 (303) 555-0199"
    assert rules.phone("") == ""
    with pytest.raises(rules.BadBrand):
        rules.phone("<script>")
