"""Billable time on MACD requests (Client Support Plan §7: a provisioning fee of $100/hour in
15-minute increments; Expedited costs an additional fee). Amounts are `Decimal`.

Pure Python: no Django. A request's total time is rounded up to the next increment once,
not each entry, so two 7-minute entries bill one quarter hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MAX_ENTRY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Rates:
    hourly: Decimal = Decimal("100.00")
    increment_minutes: int = 15
    expedite_fee: Decimal = Decimal("150.00")

    def __post_init__(self) -> None:
        if self.hourly < 0 or self.expedite_fee < 0:
            raise ValueError("Rates cannot be negative.")
        if not 0 < self.increment_minutes <= 60:
            raise ValueError("The billing increment is between 1 and 60 minutes.")


@dataclass(frozen=True)
class Fee:
    minutes: int  # time logged
    billed_minutes: int  # rounded up to the increment
    time_charge: Decimal
    expedite_fee: Decimal
    total: Decimal


def billed_minutes(minutes: int, increment: int = 15) -> int:
    if minutes < 0:
        raise ValueError("Time cannot be negative.")
    return -(-minutes // increment) * increment


def fee(minutes: int, *, expedited: bool, rates: Rates = Rates()) -> Fee:
    """What a request with `minutes` of logged time costs: the time rounded up to the next
    increment at the hourly rate, plus the expedite fee for an Expedited request."""
    billed = billed_minutes(minutes, rates.increment_minutes)
    charge = (rates.hourly * billed / 60).quantize(CENT, ROUND_HALF_UP)
    extra = rates.expedite_fee.quantize(CENT) if expedited else Decimal("0.00")
    return Fee(minutes, billed, charge, extra, charge + extra)


def total_minutes(entries: Iterable[int]) -> int:
    return sum(entries)


def estimate(typical_minutes: Iterable[int], *, expedited: bool, rates: Rates = Rates()) -> Fee:
    """The fee a request is expected to cost, from its changes' typical times."""
    return fee(total_minutes(typical_minutes), expedited=expedited, rates=rates)


def check_entry(minutes: int) -> None:
    """ValueError, saying why, unless `minutes` is a time entry one may log."""
    if minutes < 0:
        raise ValueError(f"A time entry cannot be negative ({minutes} minutes).")
    if minutes == 0:
        raise ValueError("A time entry must be at least one minute.")
    if minutes > MAX_ENTRY_MINUTES:
        raise ValueError(
            f"A time entry of {minutes} minutes is more than 24 hours; log each day's work as its own entry."
        )


def money(amount: Decimal) -> str:
    """$1,234.50"""
    return f"${amount.quantize(CENT):,}"
