"""Pro-rating a monthly price from an effective date (Client Support Plan §7: a change that
alters licences or numbers changes billing from the day it takes effect).

Pure Python, `Decimal` throughout. A month is billed by its days: a change effective on a
day counts that day and every day after it to the month's end, so a $30/month licence added
on the 17th of a 30-day month costs 14/30 of $30, $14.00, for that month; removed on the
17th, the same $14.00 comes back as a credit. Cents are rounded half up once, at the end.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def remaining_days(effective: date) -> int:
    """The days from `effective` (included) to the end of its month."""
    return days_in_month(effective) - effective.day + 1


def prorate(monthly: Decimal, effective: date) -> Decimal:
    """The part of a monthly amount (positive: a charge, negative: a credit) that falls on
    the effective date's month from that date on, in cents."""
    share = Decimal(remaining_days(effective)) / Decimal(days_in_month(effective))
    return (Decimal(monthly) * share).quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_delta(
    old_price: Decimal | None, old_quantity: int, new_price: Decimal | None, new_quantity: int
) -> Decimal:
    """How a change moves the monthly bill: the new line's total minus the old one's (a line
    that did not exist, or no longer does, is None)."""
    before = (old_price or Decimal(0)) * (old_quantity if old_price is not None else 0)
    after = (new_price or Decimal(0)) * (new_quantity if new_price is not None else 0)
    return (after - before).quantize(CENT, rounding=ROUND_HALF_UP)
