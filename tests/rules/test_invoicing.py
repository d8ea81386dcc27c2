"""Invoice arithmetic: each line rounded once, totals the sum of the lines, for any lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import invoicing
from casedesk.rules.invoicing import LineKind, Period, Tax

TAXES = [Tax(name, kind, Decimal(rate)) for name, kind, rate in invoicing.DEFAULT_TAXES]

kinds = st.sampled_from([k.value for k in LineKind])
quantities = st.decimals(min_value=0, max_value=1000, places=2)
prices = st.decimals(min_value=-5000, max_value=5000, places=4)
rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=5)


@given(
    st.lists(st.tuples(kinds, quantities, prices), max_size=60), st.lists(st.tuples(kinds, rates), max_size=6)
)
def test_totals_equal_the_sum_of_the_lines_with_taxes(rows, tax_rows):
    taxes = [Tax(f"t{i}", k, r) for i, (k, r) in enumerate(tax_rows)]
    lines = [invoicing.line(k, q, p, taxes) for k, q, p in rows]
    totals = invoicing.totals(lines)
    assert totals.subtotal == sum((ln.amount for ln in lines), Decimal(0))
    assert totals.tax == sum((ln.tax for ln in lines), Decimal(0))
    assert totals.total == sum((ln.total for ln in lines), Decimal(0))
    for ln in lines:
        # Rounded once each, to the cent.
        assert ln.amount == ln.amount.quantize(invoicing.CENT)
        assert ln.tax == ln.tax.quantize(invoicing.CENT)
        assert abs(ln.amount - ln.quantity * ln.unit_price) <= Decimal("0.005")
        assert abs(ln.tax - ln.amount * ln.tax_rate) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("kind", "quantity", "price", "amount", "tax"),
    [
        ("recurring", 3, "19.99", "59.97", "6.39"),  # 59.97 x 10.65 % = 6.386805
        ("recurring", 1, "0.05", "0.05", "0.01"),  # 0.0053 rounds half up
        ("provisioning", "0.25", "100.00", "25.00", "0.00"),  # fees carry no tax by default
        ("one_off", 1, "-10.00", "-10.00", "-0.73"),  # a credit's tax is credited too
        ("credit", 1, "-5.00", "-5.00", "0.00"),
        ("recurring", "0.5", "0.01", "0.01", "0.00"),  # 0.005 rounds half up to a cent
    ],
)
def test_lines_round_half_up_once(kind, quantity, price, amount, tax):
    ln = invoicing.line(kind, Decimal(str(quantity)), Decimal(price), TAXES)
    assert (ln.amount, ln.tax) == (Decimal(amount), Decimal(tax))


@pytest.mark.parametrize("bad", ["-1", "NaN", "abc", "1e9"])
def test_a_negative_or_absurd_quantity_is_refused(bad):
    with pytest.raises(ValueError):
        invoicing.line("recurring", bad, Decimal("1.00"))  # type: ignore[arg-type]


def test_a_credit_note_cannot_exceed_what_is_left_of_its_invoice():
    invoicing.credit_allowed(Decimal("100.00"), Decimal("60.00"), Decimal("40.00"))
    with pytest.raises(ValueError, match="more than is left"):
        invoicing.credit_allowed(Decimal("100.00"), Decimal("60.00"), Decimal("40.01"))
    with pytest.raises(ValueError, match="positive"):
        invoicing.credit_allowed(Decimal("100.00"), Decimal("0"), Decimal("0"))


def test_periods():
    p = Period.parse("2026-11")
    assert str(p.next()) == "2026-12" and str(p.next().next()) == "2027-01"
    assert str(Period.parse("2027-01").previous()) == "2026-12"
    assert p.run_day == date(2026, 11, 27)
    assert [str(x) for x in invoicing.last_months(Period.parse("2026-02"), 3)] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert invoicing.due_period(date(2026, 11, 26)) is None
    assert str(invoicing.due_period(date(2026, 11, 27))) == "2026-11"
    for bad in ("2026-13", "26-11", "2026/11", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            Period.parse(bad)


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=1, max_value=12))
def test_next_and_previous_are_inverse(year, month):
    p = Period(year, month)
    assert p.next().previous() == p and p.previous().next() == p


def test_differences_and_groups():
    prev = {"a": Decimal("10.00"), "b": Decimal("5.00")}
    cur = {"a": Decimal("10.00"), "b": Decimal("7.00"), "c": Decimal("1.00")}
    assert invoicing.differences(prev, cur) == [
        ("b", Decimal("5.00"), Decimal("7.00")),
        ("c", Decimal(0), Decimal("1.00")),
    ]
    assert invoicing.by_group([("HQ", Decimal("1")), ("", Decimal("2")), ("HQ", Decimal("3"))]) == [
        ("HQ", Decimal("4")),
        ("(none)", Decimal("2")),
    ]
