"""Account writes: a password reset link (sent by the channel that asked for it) and
setting the new password.

A reset link is a signed token bound to the user's current password hash and last login
(Django's token generator), so it works once and stops working when the password changes
or `PASSWORD_RESET_TIMEOUT` passes. Asking answers alike for known and unknown addresses:
the only difference is whether an e-mail goes out, and the limits count the address as
typed, whoever it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from casedesk.accounts.models import User
from casedesk.core.errors import RateLimited, Refused

RESETS_PER_ADDRESS = 3  # in the window, for one typed address
RESETS_PER_CLIENT = 20  # in the window, from one client address (offices share one)
RESET_WINDOW = 60 * 60


def _count(key: str) -> int:
    cache.add(key, 0, RESET_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW)
        return 1


@dataclass(frozen=True)
class ResetLink:
    """A reset link for one account, for the channel that asked to send it."""

    user: User
    url: str
    hours: int  # how long it works


def request_password_reset(email: str, *, client: str) -> ResetLink | None:
    """The reset link for the active account with this address, if there is one (None
    otherwise); the caller sends it to `link.user.email`. Refused or rate limited alike
    for known and unknown addresses."""
    address = (email or "").strip().lower()[:254]
    if "@" not in address:
        raise Refused("Enter the e-mail address you log in with.")
    over = _count(f"reset:ip:{client}") > RESETS_PER_CLIENT
    over = _count(f"reset:address:{address}") > RESETS_PER_ADDRESS or over
    if over:
        raise RateLimited("Too many reset requests. Please wait an hour and try again.")
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None or not user.has_usable_password():
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return ResetLink(
        user=user,
        url=f"{settings.CASEDESK_BASE_URL}/password/reset/{uid}/{token}/",
        hours=max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    )


def set_password(user: User, token: str, password: str) -> None:
    """Set a new password with a reset token (checked again here, under a row lock, so a
    link used twice at once changes the password once)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(user, token):
            raise Refused("This reset link has expired or was already used. Ask for a new one.")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages)) from None
        user.set_password(password)
        user.save(update_fields=["password"])
