"""The request's fee as configured: the plan's rates from the settings, the arithmetic in
`rules.billing`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from casedesk.rules import billing
from casedesk.rules.macd import Speed


def rates() -> billing.Rates:
    try:
        return billing.Rates(
            hourly=Decimal(settings.CASEDESK_MACD_HOURLY_RATE),
            expedite_fee=Decimal(settings.CASEDESK_MACD_EXPEDITE_FEE),
        )
    except (InvalidOperation, ValueError) as exc:
        raise ImproperlyConfigured(f"CASEDESK_MACD_HOURLY_RATE / CASEDESK_MACD_EXPEDITE_FEE: {exc}") from None


def fee(minutes: int, speed: str) -> billing.Fee:
    return billing.fee(minutes, expedited=speed == Speed.EXPEDITED, rates=rates())


def estimate(typical_minutes: int, speed: str) -> billing.Fee:
    return billing.estimate([typical_minutes], expedited=speed == Speed.EXPEDITED, rates=rates())
