"""The second factor: an authenticator app (django-otp's TOTP device) and ten single-use
recovery codes (django-otp's static device), enrolled, checked and replaced here.

An enrolment is a TOTP device that is not yet confirmed; it counts only once a code from
the app matched, and only then replaces an earlier app. Recovery codes are stored as
digests (a copy of the table gives no usable code) and used up by deleting their row, so
two requests with one code cannot both pass. Wrong codes slow down per account
(`limits`); django-otp's own per-device delays are off (`OTP_*_THROTTLE_FACTOR = 0`) so
that one limit, in the shared cache, decides.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casedesk.core import clock
from casedesk.core.errors import RateLimited, Refused
from casedesk.rules import second_factor as rules
from casedesk.signin import limits

APP = "Authenticator app"
PENDING = "Authenticator app (not yet confirmed)"
RECOVERY = "Recovery codes"
audit = logging.getLogger("casedesk.security")


@dataclass(frozen=True)
class Proof:
    """A code that matched: which device, and whether it used up a recovery code."""

    device: Any
    recovery: bool
    recovery_left: int = 0


def code_digest(code: str) -> str:
    # StaticToken.token holds 16 characters: 64 bits of SHA-256 are plenty for a lookup.
    return hashlib.sha256(rules.normalise_code(code).encode()).hexdigest()[:16]


def app_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def has_second_factor(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def secret_text(device: TOTPDevice) -> str:
    """The app's secret as people type it into an authenticator: base32 in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def begin(user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (an earlier unconfirmed one is dropped;
    a confirmed one stays in force until this one is confirmed)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=PENDING, confirmed=False)
    return device


def confirm(user: Any, code: str, *, client: str) -> list[str]:
    """Confirm the unconfirmed authenticator with a code from it: it replaces any earlier
    one, and ten new recovery codes are made and returned (shown once, stored as digests)."""
    _check_wait(user, client)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        )
        if device is None:
            raise Refused("Start the set-up first: there is no authenticator waiting to be confirmed.")
        typed = rules.normalise_code(code)
        if not rules.looks_like_totp(typed, device.digits) or not device.verify_token(typed):
            limits.failed(user.pk, client)
            raise Refused(
                "That code does not match. Enter the 6-digit code your app shows now for this account "
                "(check the phone's clock is right)."
            )
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed, device.name = True, APP
        device.save(update_fields=["confirmed", "name"])
        codes = _new_recovery_codes(user)
    limits.succeeded(user.pk)
    audit.info("second factor enrolled", extra={"user": user.pk})
    return codes


def regenerate_recovery_codes(user: Any) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    if not has_second_factor(user):
        raise Refused("Set up an authenticator app first; recovery codes come with it.")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
    audit.info("recovery codes regenerated", extra={"user": user.pk})
    return codes


def _new_recovery_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(rules.RECOVERY_CODE_LENGTH))
        for _ in range(rules.RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code_digest(c)) for c in codes])
    return [rules.show_recovery_code(c) for c in codes]


def turn_off(user: Any) -> None:
    """Remove the authenticator and the recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    audit.info("second factor removed", extra={"user": user.pk})


def _check_wait(user: Any, client: str) -> None:
    seconds = limits.wait(user.pk, client)
    if seconds:
        raise RateLimited(f"Too many wrong codes. Please wait {seconds} seconds and try again.")


def verify(user: Any, code: str, *, client: str) -> Proof:
    """Check a code from the authenticator app or a recovery code; a recovery code is used
    up. Refused (wrong code) or RateLimited (too many wrong codes), saying so."""
    _check_wait(user, client)
    typed = rules.normalise_code(code)
    proof: Proof | None = None
    with transaction.atomic():
        if rules.looks_like_totp(typed):
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("-id")
                .first()
            )
            if device is not None and device.verify_token(typed):
                proof = Proof(device=device, recovery=False)
        elif rules.looks_like_recovery_code(typed):
            static = StaticDevice.objects.filter(user=user, confirmed=True).first()
            if static is not None and has_second_factor(user):
                used, _ = StaticToken.objects.filter(device=static, token=code_digest(typed)).delete()
                if used:
                    static.last_used_at = clock.now()
                    static.save(update_fields=["last_used_at"])
                    left = int(static.token_set.count())
                    proof = Proof(device=static, recovery=True, recovery_left=left)
    if proof is None:
        limits.failed(user.pk, client)
        raise Refused(
            "That code is not right. Enter the 6-digit code from your app, or one of your recovery codes."
        )
    limits.succeeded(user.pk)
    if proof.recovery:
        audit.info("recovery code used", extra={"user": user.pk, "left": proof.recovery_left})
    return proof
