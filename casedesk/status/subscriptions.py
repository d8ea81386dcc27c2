"""Subscriptions to a platform's or an incident's notices by e-mail: double opt-in for
anyone, one click for a portal user's own address, one-click unsubscribe."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from casedesk.accounts.models import Platform, User
from casedesk.core import clock, mailboxes
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.outbox import delivery as outbox
from casedesk.status import notices
from casedesk.status.models import Incident, Subscription

CONFIRM_SALT = "casedesk.status.subscribe"


def topic(platform: Platform | None, incident: Incident | None) -> dict:
    """A subscription's topic, one platform or one active incident, as its fields."""
    if (platform is None) == (incident is None):
        raise Refused("Subscribe to one platform or to one incident.")
    if incident is not None and not incident.is_active:
        raise Refused("This incident is resolved; subscribe to its platform instead.")
    return {"platform": platform, "incident": incident}


def clean_email(value: str) -> str:
    value = (value or "").strip()
    try:
        EmailValidator()(value)
    except ValidationError:
        raise Refused("Enter a valid email address.") from None
    if mailboxes.is_ours(value):
        raise Refused("That is the support desk's own address; enter your own email address.")
    return value


def _token_digest(token: str) -> str:
    # The link carries a digest, not the token: the token alone manages the subscription.
    return hashlib.sha256(f"{CONFIRM_SALT}:{token}".encode()).hexdigest()


def confirm_link(subscription: Subscription) -> str:
    signed = signing.dumps({"s": subscription.pk, "t": _token_digest(subscription.token)}, salt=CONFIRM_SALT)
    return notices.absolute(f"/status/subscriptions/confirm/{signed}/")


def request_subscription(
    *, email: str, platform: Platform | None = None, incident: Incident | None = None
) -> None:
    """Double opt-in: a confirmation link goes to the address; nothing else happens until
    it is followed. Says nothing about whether the address was subscribed already."""
    email = clean_email(email)
    chosen = topic(platform, incident)
    now = clock.now()
    with transaction.atomic():
        sub = Subscription.objects.filter(
            email__iexact=email, channel=Subscription.Channel.EMAIL, **chosen
        ).first()
        if sub is None:
            sub = Subscription.objects.create(email=email, created_at=now, **chosen)
        if sub.confirmed_at is not None:
            return
        name = platform.name if platform else f"the incident {incident}"
        outbox.enqueue_template(
            kind="status_confirm",
            to=email,
            template="status_confirm",
            context={
                "name": name,
                "link": confirm_link(sub),
                "hours": settings.CASEDESK_SUBSCRIBE_LINK_HOURS,
            },
            # One confirmation per address and topic per hour: a flood of requests is not
            # a flood of mail.
            dedupe_key=f"status-confirm:{sub.pk}:{now:%Y%m%d%H}",
        )


def confirm_subscription(signed: str) -> Subscription:
    try:
        data = signing.loads(signed, salt=CONFIRM_SALT, max_age=settings.CASEDESK_SUBSCRIBE_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise Refused("This confirmation link has expired. Please subscribe again.") from None
    except signing.BadSignature:
        raise NotFound("This confirmation link is not valid.") from None
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=data.get("s")).first()
        if sub is None or not hmac.compare_digest(
            _token_digest(sub.token).encode(), str(data.get("t", "")).encode()
        ):
            raise NotFound("This subscription no longer exists. Please subscribe again.")
        if sub.confirmed_at is None:
            sub.confirmed_at = clock.now()
            sub.save(update_fields=["confirmed_at"])
    return sub


def subscribe_user(
    user: User, *, platform: Platform | None = None, incident: Incident | None = None
) -> Subscription:
    """A portal user subscribes their own, already verified, address with one click."""
    if not user.is_authenticated:
        raise Forbidden("Log in first.")
    chosen = topic(platform, incident)
    now = clock.now()
    with transaction.atomic():
        sub = Subscription.objects.filter(
            email__iexact=user.email, channel=Subscription.Channel.EMAIL, **chosen
        ).first()
        if sub is None:
            sub = Subscription.objects.create(email=user.email, created_at=now, confirmed_at=now, **chosen)
        elif sub.confirmed_at is None:
            sub.confirmed_at = now
            sub.save(update_fields=["confirmed_at"])
    return sub


def unsubscribe(token: str) -> Subscription | None:
    """One-click unsubscribe (RFC 8058); the same answer when already gone."""
    sub = Subscription.objects.filter(token=token).first()
    if sub is not None:
        sub.delete()
    return sub


def subscriptions_of(token: str) -> tuple[Subscription, list[Subscription]]:
    sub = Subscription.objects.filter(token=token, channel=Subscription.Channel.EMAIL).first()
    if sub is None:
        raise NotFound("No such subscription.")
    others = Subscription.objects.filter(
        email__iexact=sub.email, channel=Subscription.Channel.EMAIL
    ).select_related("platform", "incident")
    return sub, list(others)
