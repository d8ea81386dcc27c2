"""Who hears about an incident update or a maintenance notice, and the fan-out to them.

A notice is written in one pass, in the transaction of its cause: one outbox row per
distinct address (bulk insert, each under a dedupe key so a second pass adds nothing) and
one webhook delivery per webhook subscriber. The text is rendered once; each subscriber's
copy differs only by its unsubscribe and manage links, substituted in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from casedesk.accounts.models import Contact
from casedesk.core import bulk, clock, tasks
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.outbox.recipients import Once
from casedesk.status.models import Incident, MaintenanceWindow, Subscription, WebhookDelivery

WEBHOOK_TASK = "casedesk.deliver_webhooks"  # `status.tasks`, sent by name after commit

UNSUB = "@@UNSUBSCRIBE@@"
MANAGE = "@@MANAGE@@"


@dataclass(frozen=True)
class Recipient:
    email: str
    token: str = ""  # a subscriber's token: their copy carries unsubscribe links
    why: str = ""


def absolute(path: str) -> str:
    return f"{settings.CASEDESK_BASE_URL}{path}"


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("status:unsubscribe", kwargs={"token": token}))


def manage_url(token: str) -> str:
    return absolute(reverse("status:manage", kwargs={"token": token}))


_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_-]+")  # what `reverse` puts in a path as it is


class _Links:
    """A subscriber's unsubscribe and manage links, as `unsubscribe_url` and `manage_url`
    give them: the URL is resolved once per fan-out and the token put in its place."""

    def __init__(self) -> None:
        stand_in = "0" * 8
        self.unsub = unsubscribe_url(stand_in).split(stand_in)
        self.manage = manage_url(stand_in).split(stand_in)

    def __call__(self, token: str) -> tuple[str, str]:
        if len(self.unsub) != 2 or len(self.manage) != 2 or not _PLAIN_TOKEN.fullmatch(token):
            return unsubscribe_url(token), manage_url(token)
        return token.join(self.unsub), token.join(self.manage)


def contacts(flag: str, organisation_ids: Iterable[int], why: str) -> list[Recipient]:
    rows = Contact.objects.filter(
        organisation_id__in=list(organisation_ids), organisation__active=True, active=True, **{flag: True}
    ).values_list("email", "organisation__name")
    return [Recipient(email, why=f"{why} of {org}") for email, org in rows]


def subscribers(topic: Q, channel: str = Subscription.Channel.EMAIL) -> Any:
    return Subscription.objects.filter(topic, channel=channel, confirmed_at__isnull=False)


def incident_topic(incident: Incident) -> Q:
    platform_ids = list(incident.impacts.values_list("platform_id", flat=True))
    return Q(incident=incident) | Q(platform_id__in=platform_ids)


def window_topic(window: MaintenanceWindow) -> Q:
    return Q(platform__in=window.platforms.all())


def incident_recipients(incident: Incident) -> list[Recipient]:
    found = contacts(
        "is_master_case_contact", incident.organisations.values_list("pk", flat=True), "master-case contact"
    )
    found += [Recipient(e, t) for e, t in subscribers(incident_topic(incident)).values_list("email", "token")]
    return found


def window_recipients(window: MaintenanceWindow) -> list[Recipient]:
    from casedesk.accounts.models import Organisation

    orgs = (
        Organisation.objects.filter(platforms__in=window.platforms.all())
        .values_list("pk", flat=True)
        .distinct()
    )
    found = contacts("is_maintenance_contact", orgs, "maintenance-notification contact")
    found += [Recipient(e, t) for e, t in subscribers(window_topic(window)).values_list("email", "token")]
    return found


def _key(notice: str, email: str) -> str:
    return f"{notice}:{hashlib.sha256(email.lower().encode()).hexdigest()[:24]}"


def fan_out(
    *,
    notice: str,
    kind: str,
    recipients: Iterable[Recipient],
    subject: str,
    context: dict[str, Any],
    case: Any = None,
    webhook_topic: Q | None = None,
    payload: dict[str, Any] | None = None,
    once: Once | None = None,
) -> int:
    """Queue one copy of a notice per distinct address; returns how many were new.
    `notice` names the notice for good: queuing it again adds nothing. `once`: the
    addresses its cause has written to already (a master-case update's child cases)."""
    now = clock.now()
    base = {"site_name": settings.CASEDESK_SITE_NAME, "base_url": settings.CASEDESK_BASE_URL, **context}
    text_sub = render_to_string(
        "mail/status_notice.txt", {**base, "unsubscribe_url": UNSUB, "manage_url": MANAGE}
    )
    html_sub = render_to_string(
        "mail/status_notice.html", {**base, "unsubscribe_url": UNSUB, "manage_url": MANAGE}
    )
    rendered: dict[str, tuple[str, str]] = {}
    links = _Links()
    rows = []
    heard = once if once is not None else Once()
    for recipient in recipients:
        if recipient.email in heard or not delivery.sendable(recipient.email):
            continue
        address = heard.take(recipient.email)
        headers = {"Auto-Submitted": "auto-generated", "Precedence": "bulk"}
        if recipient.token:
            unsub, manage = links(recipient.token)
            text = text_sub.replace(UNSUB, unsub).replace(MANAGE, manage)
            html = html_sub.replace(UNSUB, unsub).replace(MANAGE, manage)
            headers["List-Unsubscribe"] = f"<{unsub}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        else:
            if recipient.why not in rendered:
                ctx = {**base, "why": recipient.why}
                rendered[recipient.why] = (
                    render_to_string("mail/status_notice.txt", ctx),
                    render_to_string("mail/status_notice.html", ctx),
                )
            text, html = rendered[recipient.why]
        rows.append(
            OutboundMessage(
                created_at=now,
                kind=kind,
                case=case,
                to=address,
                subject=subject[:255],
                text=text,
                html=html,
                message_id=delivery.new_message_id(),
                headers=headers,
                dedupe_key=_key(notice, address)[:200],
                next_attempt_at=now,
            )
        )
    with transaction.atomic():
        # One multi-row insert; a row already queued under its dedupe key is skipped by it.
        added = len(bulk.insert(rows, unless_taken="dedupe_key"))
        if webhook_topic is not None and payload is not None:
            queue_webhooks(notice, webhook_topic, payload)
    transaction.on_commit(delivery.kick)
    return added


def queue_webhooks(notice: str, topic: Q, payload: dict[str, Any]) -> None:
    now = clock.now()
    body = json.dumps({"event": notice, **payload}, sort_keys=True, default=str)
    # One POST per webhook: a target added for several platforms is one subscription per
    # platform sharing its URL and secret, and an event on two of them is still one event.
    first: dict[tuple[str, str], int] = {}
    for pk, url, secret in (
        subscribers(topic, Subscription.Channel.WEBHOOK).order_by("id").values_list("pk", "url", "secret")
    ):
        first.setdefault((url, secret), pk)
    hooks = list(first.values())
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription_id=pk, event_key=notice[:120], payload=body, created_at=now, next_attempt_at=now
            )
            for pk in hooks
        ],
        ignore_conflicts=True,
    )
    if hooks:
        transaction.on_commit(lambda: tasks.kick(WEBHOOK_TASK))
