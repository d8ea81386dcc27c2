"""Invoice arithmetic (SPEC §9): lines, taxes per line type, totals, periods and numbers.

Pure Python, `Decimal` throughout. Each line is rounded once, half up to the cent: its
amount (quantity x unit price) and its tax (the amount x the sum of the rates that apply to
its kind). An invoice's totals are sums of its lines' rounded figures, never recomputed
from unrounded ones, so the totals always equal the sum of the lines printed.

An invoice of a period (`2026-11`, issued on the 27th of that month) bills the following
month's recurring services in advance at the inventory's prices, and the changes made
since the last invoice as their pro-rated charges and credits (`rules.proration`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
RUN_DAY = 27  # the day of the month the invoices go out
MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE = Decimal("10000000")


class LineKind(enum.StrEnum):
    RECURRING = "recurring"  # a service of the inventory, for the month billed in advance
    CHANGE = "change"  # a change's pro-rated charge or credit (inventory charge events)
    PROVISIONING = "provisioning"  # a MACD request's time
    EXPEDITE = "expedite"  # a MACD request's expedite fee
    ONE_OFF = "one_off"  # a one-off charge or credit billing staff added
    CREDIT = "credit"  # a credit note carried onto the invoice

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    LineKind.RECURRING: "Recurring service",
    LineKind.CHANGE: "Change (pro-rated)",
    LineKind.PROVISIONING: "Provisioning fee",
    LineKind.EXPEDITE: "Expedite fee",
    LineKind.ONE_OFF: "One-off charge or credit",
    LineKind.CREDIT: "Credit note",
}

# The taxes and surcharges a new installation starts with (stored as data; billing edits them).
DEFAULT_TAXES: tuple[tuple[str, str, str], ...] = (
    ("Sales tax", LineKind.RECURRING, "0.0725"),
    ("Sales tax", LineKind.CHANGE, "0.0725"),
    ("Sales tax", LineKind.ONE_OFF, "0.0725"),
    ("Regulatory recovery fee", LineKind.RECURRING, "0.0340"),
    ("Regulatory recovery fee", LineKind.CHANGE, "0.0340"),
)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tax:
    name: str
    kind: str  # the line kind it applies to
    rate: Decimal  # 0.0725 for 7.25 %

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.rate < Decimal(1):
            raise ValueError(f"A tax rate is between 0 and 1 ({self.name}: {self.rate}).")


def rate_for(kind: str, taxes: Iterable[Tax]) -> Decimal:
    """The combined rate of the taxes on a line of `kind`."""
    return sum((t.rate for t in taxes if t.kind == kind), Decimal(0))


@dataclass(frozen=True)
class Line:
    kind: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


def check_quantity(quantity: Decimal | int | str) -> Decimal:
    """The quantity, or ValueError saying why it cannot be billed."""
    try:
        value = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"The quantity {quantity!r} is not a number.") from None
    if not value.is_finite():
        raise ValueError("The quantity is not a number.")
    if value < 0:
        raise ValueError(
            f"A quantity cannot be negative ({value}); bill a credit with a negative price instead."
        )
    if value > MAX_QUANTITY:
        raise ValueError(f"A quantity of {value} is more than {MAX_QUANTITY}.")
    return value


def check_price(price: Decimal) -> Decimal:
    try:
        value = Decimal(price)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"The price {price!r} is not an amount.") from None
    if not value.is_finite() or abs(value) > MAX_UNIT_PRICE:
        raise ValueError(f"The price {price!r} is not an amount one may bill.")
    return value


def line(kind: str, quantity: Decimal | int, unit_price: Decimal, taxes: Iterable[Tax] = ()) -> Line:
    """One invoice line: its amount and its tax, each rounded once."""
    q = check_quantity(quantity)
    price = check_price(unit_price)
    amount = cents(q * price)
    rate = rate_for(kind, taxes)
    return Line(kind, q, price, amount, rate, cents(amount * rate))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Iterable[Line]) -> Totals:
    """The invoice's totals: sums of its lines' rounded amounts and taxes."""
    subtotal = tax = ZERO
    for item in lines:
        subtotal += item.amount
        tax += item.tax
    return Totals(subtotal, tax, subtotal + tax)


def credit_allowed(invoice_total: Decimal, credited_so_far: Decimal, amount: Decimal) -> None:
    """ValueError unless a credit note of `amount` fits what is left of its invoice."""
    if amount <= 0:
        raise ValueError("A credit note is for a positive amount.")
    left = invoice_total - credited_so_far
    if amount > left:
        raise ValueError(
            f"A credit note of {amount} is more than is left to credit on its invoice "
            f"({left} of {invoice_total})."
        )


# Periods --------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, value: str) -> Period:
        match = _PERIOD.match((value or "").strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"A period is written YYYY-MM, e.g. 2026-11 (got {value!r}).")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    @property
    def run_day(self) -> date:
        return date(self.year, self.month, RUN_DAY)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def label(self) -> str:
        return self.first_day.strftime("%B %Y")


def last_months(period: Period, count: int = 12) -> list[Period]:
    """`count` periods ending with `period`, oldest first."""
    out = [period]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


def due_period(today: date) -> Period | None:
    """The period whose run is due on `today` (provider's date): on and after the 27th."""
    return Period.of(today) if today.day >= RUN_DAY else None


def reference(prefix: str, number: int, width: int = 6) -> str:
    """INV-000042"""
    return f"{prefix}-{number:0{width}d}"


def differences(
    previous: dict[str, Decimal], current: dict[str, Decimal]
) -> list[tuple[str, Decimal, Decimal]]:
    """Keys whose amount changed from last month's invoice to this draft (new or gone count
    as zero on the other side), in key order."""
    out = []
    for key in sorted(set(previous) | set(current)):
        before, after = previous.get(key, ZERO), current.get(key, ZERO)
        if before != after:
            out.append((key, before, after))
    return out


def by_group(rows: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Sums per group (site or cost centre), largest first; blank is "(none)"."""
    sums: dict[str, Decimal] = {}
    for key, amount in rows:
        sums[key or "(none)"] = sums.get(key or "(none)", ZERO) + amount
    return sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
