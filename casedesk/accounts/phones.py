"""Phone numbers in one form for look-ups: E.164 (`+13035550102`), read by `phonenumbers`
in the desk's region when typed without a country code."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


def e164(number: str, region: str | None = None) -> str:
    """The number in E.164, or "" when it cannot be a phone number."""
    if not number or not any(ch.isdigit() for ch in number):
        return ""
    try:
        parsed = phonenumbers.parse(number, region or settings.CASEDESK_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
