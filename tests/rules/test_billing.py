"""The provisioning fee (plan §7): $100/hour in 15-minute increments, the total rounded up
once, plus the expedite fee; amounts in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules.billing import Rates, billed_minutes, check_entry, estimate, fee, money

RATES = Rates(hourly=Decimal("100.00"), expedite_fee=Decimal("150.00"))


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (7, "25.00"),
        (15, "25.00"),
        (16, "50.00"),
        (61, "125.00"),
        (0, "0.00"),
        (60, "100.00"),
        (1440, "2400.00"),
    ],
)
def test_standard_fee_table(minutes: int, expected: str) -> None:
    result = fee(minutes, expedited=False, rates=RATES)
    assert result.total == Decimal(expected)
    assert isinstance(result.total, Decimal)


@pytest.mark.parametrize(
    ("minutes", "expected"), [(0, "150.00"), (7, "175.00"), (16, "200.00"), (61, "275.00")]
)
def test_expedited_adds_the_fee(minutes: int, expected: str) -> None:
    result = fee(minutes, expedited=True, rates=RATES)
    assert result.total == Decimal(expected)
    assert result.expedite_fee == Decimal("150.00")


def test_rates_are_configurable() -> None:
    rates = Rates(hourly=Decimal("120.00"), increment_minutes=30, expedite_fee=Decimal("75.50"))
    assert fee(31, expedited=True, rates=rates).total == Decimal("195.50")  # 60 min at 120 + 75.50


def test_the_total_is_rounded_once_not_per_entry() -> None:
    assert estimate([7, 7], expedited=False, rates=RATES).total == Decimal("25.00")


@pytest.mark.parametrize(
    ("minutes", "why"),
    [
        (-5, "negative"),
        (0, "at least one minute"),
        (1441, "more than 24 hours"),
        (10_000, "more than 24 hours"),
    ],
)
def test_entries_refused(minutes: int, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_entry(minutes)


@pytest.mark.parametrize("minutes", [1, 15, 1440])
def test_entries_accepted(minutes: int) -> None:
    check_entry(minutes)


def test_money() -> None:
    assert money(Decimal("1234.5")) == "$1,234.50"


@given(st.integers(min_value=0, max_value=100_000))
def test_billed_minutes_are_the_next_quarter_hour(minutes: int) -> None:
    billed = billed_minutes(minutes)
    assert billed % 15 == 0
    assert minutes <= billed < minutes + 15


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_fee_never_falls_with_more_time(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert fee(low, expedited=False).total <= fee(high, expedited=False).total


@given(st.integers(min_value=0, max_value=10_000))
def test_expedited_is_standard_plus_the_fee(minutes: int) -> None:
    assert fee(minutes, expedited=True, rates=RATES).total == fee(
        minutes, expedited=False, rates=RATES
    ).total + Decimal("150.00")
    assert fee(minutes, expedited=False).total == Decimal(billed_minutes(minutes) // 15 * 25)
