"""Telling an account's owner by e-mail of each change to how it signs in (password, e-mail
address, second factor), so a change they did not make does not go unnoticed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casedesk.core import clock
from casedesk.outbox import delivery

CHANGES = {
    "password": "Your password was changed.",
    # Never the changed data itself (CPNI notice of account changes): the old address hears
    # that it changed, not what to.
    "email": "The e-mail address your account signs in with was changed.",
    "two_factor_on": "Two-factor sign-in was turned on (an authenticator app and ten recovery codes).",
    "two_factor_replaced": "Your authenticator app was replaced by a new one, with new recovery codes.",
    "two_factor_off": "Two-factor sign-in was turned off.",
    "recovery_codes": "New recovery codes were made; the earlier ones no longer work.",
}


def tell(user: Any, change: str, *, to: str = "", client: str = "", **values: str) -> None:
    with transaction.atomic():
        delivery.enqueue_template(
            kind="security_notice",
            to=to or user.email,
            template="security_notice",
            context={
                "user": user,
                "change": CHANGES[change].format(**values),
                "when": clock.now(),
                "client": client,
            },
        )
