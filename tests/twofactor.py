"""Second-factor helpers for tests: an authenticator with a known key, its codes computed
with django-otp's own TOTP, and `complete_sign_in`, which makes `Client.force_login` sign a
session in fully (password and, where one is needed, the second factor)."""

from __future__ import annotations

import time
from base64 import b32encode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casedesk.core import clock
from casedesk.signin import verification
from casedesk.signin.store import META

KEY = bytes(range(1, 21))  # 20 bytes: the test authenticator's secret
SECRET = b32encode(KEY).decode()


def give_authenticator(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", key=KEY.hex(), confirmed=True)
    return device


def code_at(key: bytes, at: float, step: int = 30) -> str:
    totp = TOTP(key, step=step)
    totp.time = at
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now: the current step's, or the next one's when the
    current was already used (the device refuses a code twice)."""
    device.refresh_from_db()
    now = time.time()
    step = max(int(now) // device.step, device.last_t + 1)
    return code_at(device.bin_key, step * device.step)


def secret_from_page(text: str) -> bytes:
    from base64 import b32decode

    compact = "".join(text.split())
    return b32decode(compact + "=" * (-len(compact) % 8))


def complete_sign_in(client, user) -> None:
    """After `force_login`: the session verified with the user's authenticator (one is
    given to staff who must have it), or marked as needing none."""
    session = client.session
    if verification.must_have(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        device = give_authenticator(user)
        session[verification.STATE] = {"at": clock.now().timestamp(), "device": device.persistent_id}
    else:
        session[verification.STATE] = {"none": True}
    now = clock.now().timestamp()
    session[META] = {"user": str(user.pk), "created": now, "seen": now, "ip": "127.0.0.1", "ua": ""}
    session.save()
