"""Account writes: a password reset link (sent by the channel that asked for it) and
setting the new password.

A reset link is a signed token bound to the user's current password hash and last login
(Django's token generator), so it works once and stops working when the password changes
or `PASSWORD_RESET_TIMEOUT` passes. Asking does the same work for known and unknown
addresses (it records the request; a sweep looks the address up and makes the link), so
neither the answer nor its time tells them apart. The limits count per client and per
(client, typed address), so nobody elsewhere can stop an owner asking; how many links one
address receives is capped where the link is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from casedesk.accounts.models import ResetRequest, User
from casedesk.core import clock, throttle
from casedesk.core.errors import RateLimited, Refused

RESETS_PER_PAIR = 3  # in the window, from one client for one typed address
RESETS_PER_CLIENT = 20  # in the window, from one client address (offices share one)
LINKS_PER_ADDRESS = 3  # reset mails one address receives in the window, whoever asks
RESET_WINDOW = 60 * 60


@dataclass(frozen=True)
class ResetLink:
    """A reset link for one account, for the channel that asked to send it."""

    user: User
    url: str
    hours: int  # how long it works


def request_password_reset(email: str, *, client: str) -> None:
    """Record a reset request for the typed address (see `take_reset_links`). Refused or
    rate limited alike for known and unknown addresses."""
    address = (email or "").strip().lower()[:254]
    if "@" not in address:
        raise Refused("Enter the e-mail address you log in with.")
    over = throttle.hit(throttle.key("reset-client", client), RESET_WINDOW) > RESETS_PER_CLIENT
    over = throttle.hit(throttle.key("reset-pair", client, address), RESET_WINDOW) > RESETS_PER_PAIR or over
    if over:
        raise RateLimited("Too many reset requests. Please wait an hour and try again.")
    ResetRequest.objects.create(address=address, requested_at=clock.now())


def take_reset_links(limit: int = 100) -> list[ResetLink]:
    """Take recorded requests (each once, even with several sweepers) and return the links
    for the active accounts among them; the caller sends each to `link.user.email`."""
    if not ResetRequest.objects.exists():  # the usual case: no write transaction, no lock
        return []
    with transaction.atomic():
        rows = list(ResetRequest.objects.select_for_update(skip_locked=True).order_by("requested_at")[:limit])
        ResetRequest.objects.filter(pk__in=[row.pk for row in rows]).delete()
    links = []
    for address in dict.fromkeys(row.address for row in rows):
        user = User.objects.filter(email__iexact=address, is_active=True).first()
        if user is None or not user.has_usable_password():
            continue
        if throttle.hit(throttle.key("reset-links", address), RESET_WINDOW) > LINKS_PER_ADDRESS:
            continue
        links.append(_link(user))
    return links


def _link(user: User) -> ResetLink:
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


def change_password(user: User, *, current: str, new: str) -> None:
    """A signed-in person's new password: the current one checked and the validators
    applied under a row lock."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.check_password(current):
            raise Refused("Your current password is not right.")
        try:
            validate_password(new, user)
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages)) from None
        user.set_password(new)
        user.save(update_fields=["password"])


def change_email(user: User, *, password: str, email: str) -> User:
    """A staff member's new sign-in address: the password checked, the address one that no
    other account has and not one of the desk's own mailboxes."""
    from django.core.validators import validate_email

    from casedesk.core.mailboxes import not_ours

    address = (email or "").strip()
    try:
        validate_email(address)
        not_ours(address)
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages) or "Enter a valid e-mail address.") from None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.check_password(password):
            raise Refused("Your password is not right.")
        if User.objects.filter(email__iexact=address).exclude(pk=user.pk).exists():
            raise Refused("Another account already signs in with that address.")
        user.email = address
        user.save(update_fields=["email"])
    return user
