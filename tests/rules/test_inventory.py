"""The inventory's change types and checks, as tables (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import inventory as inv
from casedesk.rules.inventory import Change, ChangeRefused, Kind, Op

NUMBER = {
    "number": "+13035550100",
    "service_address": "1 Main St",
    "assigned_to": "",
    "monthly_price": "0.00",
    "site": "HQ",
    "cost_centre": "",
}


def test_every_kind_has_four_change_types_with_a_typical_time():
    assert len(inv.CHANGE_TYPES) == 20
    for (kind, op), ctype in inv.CHANGE_TYPES.items():
        assert ctype.typical_minutes > 0
        assert ctype.label.startswith(op.label)
        assert set(ctype.fields) <= set(inv.FIELDS[kind])
    assert inv.typical_minutes([Change("seat", "add"), Change("number", "move"), Change("x", "add")]) == 35


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+1 303 555 0100", "+13035550100"),
        ("(303) 555-0100", "+13035550100"),
        ("303.555.0100", "+13035550100"),
        ("13035550100", "+13035550100"),
        ("'+13035550100", "+13035550100"),  # a spreadsheet's text mark
        ("+44 20 7946 0958", "+442079460958"),  # the "+" keeps it international
    ],
)
def test_numbers_are_stored_in_e164(raw, stored):
    assert inv.normalise_number(raw) == stored


@pytest.mark.parametrize("raw", ["555", "+1 000 000 0000", "call me", "", "+999 1234"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(ChangeRefused, match="phone number"):
        inv.normalise_number(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("00:1a:2b:3c:4d:5e", "00:1A:2B:3C:4D:5E"),
        ("00-1A-2B-3C-4D-5E", "00:1A:2B:3C:4D:5E"),
        ("001a.2b3c.4d5e", "00:1A:2B:3C:4D:5E"),
        ("001A2B3C4D5E", "00:1A:2B:3C:4D:5E"),
    ],
)
def test_mac_addresses_are_normalised(raw, stored):
    assert inv.normalise_mac(raw) == stored


@pytest.mark.parametrize("raw", ["00:1A:2B:3C:4D", "GG:1A:2B:3C:4D:5E", "hello"])
def test_bad_mac_addresses_are_refused(raw):
    with pytest.raises(ChangeRefused, match="MAC address"):
        inv.normalise_mac(raw)


@pytest.mark.parametrize(
    ("change", "current", "message"),
    [
        (Change("gadget", "add"), None, "not a kind"),
        (Change("seat", "rename"), None, "not a change"),
        (Change("seat", "add", values={"email": "a@b.example"}), None, "needs a name"),
        (Change("seat", "add", values={"email": "nope", "name": "A"}), None, "not an e-mail"),
        (Change("number", "add", values={"number": "+13035550100"}), None, "service address"),
        (
            Change("number", "add", values={"number": "+13035550100", "service_address": "x"}),
            NUMBER,
            "already",
        ),
        (Change("device", "add", values={"model": "VVX 450"}), None, "MAC address or serial"),
        (Change("licence", "add", values={"platform": "teams", "product": "P"}), None, "monthly price"),
        (
            Change("licence", "add", values={"platform": "t", "product": "P", "monthly_price": "1.005"}),
            None,
            "two decimal",
        ),
        (Change("feature", "add", values={"feature_type": "fax", "name": "x"}), None, "feature type"),
        (Change("seat", "add", values={"email": "a@b.example", "name": "A\nB"}), None, "control character"),
        (Change("seat", "add", values={"email": "a@b.example", "name": "A", "mac": "x"}), None, "has no MAC"),
        (Change("number", "change", "+13035550100", {"number": "+13035550101"}), NUMBER, "identifies"),
        (Change("number", "move", "+13035550100", {"site": "Boulder"}), NUMBER, "new service address"),
        (Change("number", "move", "+13035550100", {"site": "HQ"}), NUMBER, "as it is"),
        (Change("number", "move", "+13035550100", {"monthly_price": "2"}), NUMBER, "writes only"),
        (Change("number", "delete", "+13035550100"), None, "no phone number"),
    ],
)
def test_refusals_say_what_and_why(change, current, message):
    with pytest.raises(ChangeRefused, match=message):
        inv.check(change, current, platforms={"teams"} if "platform" in change.values else None)


def test_a_licence_must_be_of_the_organisations_platform():
    change = Change("licence", "add", values={"platform": "webex", "product": "P", "monthly_price": "5"})
    with pytest.raises(ChangeRefused, match="not a platform of this organisation"):
        inv.check(change, None, platforms={"teams"})


def test_add_fills_defaults_and_makes_the_key():
    checked = inv.check(Change("device", "add", values={"model": "VVX 450", "serial": "ab-123"}), None)
    assert checked.key == "SN:AB-123" and checked.new["monthly_price"] == "0.00"
    lic = inv.check(
        Change(
            "licence", "add", values={"platform": "teams", "product": "Teams Phone", "monthly_price": "$30"}
        ),
        None,
    )
    assert (
        lic.key == "teams/teams phone/" and lic.new["quantity"] == "1" and lic.new["monthly_price"] == "30.00"
    )


def test_move_and_change_write_what_they_name():
    moved = inv.check(
        Change("number", "move", "x", {"site": "Boulder", "service_address": "2 Pearl"}), NUMBER
    )
    assert moved.new["site"] == "Boulder" and moved.old == NUMBER
    changed = inv.check(Change("number", "change", "x", {"monthly_price": "1.5"}), NUMBER)
    assert changed.new["monthly_price"] == "1.50"
    assert inv.check(Change("number", "delete", "x", {"site": "ignored"}), NUMBER).new is None


@pytest.mark.parametrize(
    ("desired", "op"),
    [
        (NUMBER, None),
        ({**NUMBER, "site": "Boulder", "service_address": "2 Pearl"}, Op.MOVE),
        ({**NUMBER, "monthly_price": "2.00"}, Op.CHANGE),
        ({**NUMBER, "monthly_price": "2.00", "site": "Boulder"}, Op.CHANGE),
    ],
)
def test_classify_an_imported_row(desired, op):
    assert inv.classify(Kind.NUMBER, NUMBER, desired) == op
    assert inv.classify(Kind.NUMBER, None, desired) == Op.ADD


@given(st.text(max_size=40))
def test_normalising_never_raises_anything_but_a_refusal(text):
    for name in inv.COLUMNS[1:]:
        try:
            value = inv.normalise(name, text, platforms={"teams"})
        except ChangeRefused:
            continue
        assert inv.normalise(name, value, platforms={"teams"}) == value  # stored forms are stable
