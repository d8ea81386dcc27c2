"""Pro-rating monthly prices from an effective date: a table and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import proration
from casedesk.rules.inventory import charge


@pytest.mark.parametrize(
    ("monthly", "effective", "expected"),
    [
        # The plan's example: a $30/month licence added on the 17th of a 30-day month.
        ("30.00", date(2026, 11, 17), "14.00"),
        ("30.00", date(2026, 11, 1), "30.00"),  # the whole month
        ("30.00", date(2026, 11, 30), "1.00"),  # the last day only
        ("30.00", date(2026, 12, 17), "14.52"),  # 15 of 31 days
        ("30.00", date(2026, 2, 15), "15.00"),  # 14 of 28 days
        ("30.00", date(2028, 2, 15), "15.52"),  # 15 of 29 days (leap year)
        ("-30.00", date(2026, 11, 17), "-14.00"),  # removed: a credit
        ("0.00", date(2026, 11, 17), "0.00"),
        ("1.50", date(2026, 11, 17), "0.70"),
        ("9.99", date(2026, 1, 31), "0.32"),
    ],
)
def test_prorate_table(monthly, effective, expected):
    assert proration.prorate(Decimal(monthly), effective) == Decimal(expected)


@pytest.mark.parametrize(
    ("old", "new", "monthly", "amount"),
    [
        (None, {"monthly_price": "30.00"}, "30.00", "14.00"),
        ({"monthly_price": "30.00"}, None, "-30.00", "-14.00"),
        (
            {"monthly_price": "30.00", "quantity": "1"},
            {"monthly_price": "30.00", "quantity": "3"},
            "60.00",
            "28.00",
        ),
        ({"monthly_price": "30.00"}, {"monthly_price": "30.00", "site": "Boulder"}, "0.00", "0.00"),
        (None, {"email": "a@b.example"}, "0.00", "0.00"),  # a seat has no price
    ],
)
def test_charge_of_a_change(old, new, monthly, amount):
    cost = charge(old, new, date(2026, 11, 17))
    assert (cost.monthly, cost.amount) == (Decimal(monthly), Decimal(amount))


prices = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(prices, days)
def test_never_more_than_the_month_and_a_credit_mirrors_a_charge(monthly, day):
    amount = proration.prorate(monthly, day)
    assert Decimal(0) <= amount <= monthly
    assert proration.prorate(-monthly, day) == -amount


@given(prices, days)
def test_later_in_the_month_never_costs_more(monthly, day):
    following = day + timedelta(days=1)
    if following.month == day.month:
        assert proration.prorate(monthly, following) <= proration.prorate(monthly, day)
    assert proration.prorate(monthly, day.replace(day=1)) == monthly
