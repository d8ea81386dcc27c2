"""The outbox against a real SMTP server: written with the change, sent once, retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def queue(n: int = 1, **kw) -> None:
    for i in range(n):
        delivery.enqueue(kind="test", to=f"r{i}@example.com", subject=f"Hello {i}", text="Body", **kw)


def test_nothing_is_queued_when_the_change_rolls_back(smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(3)
        raise RuntimeError("the change failed")
    assert not OutboundMessage.objects.exists()


def test_delivered_once_over_one_connection_with_headers(smtp):
    queue(5, headers={"In-Reply-To": "<x@example.com>"})
    assert delivery.deliver_due() == {"sent": 5, "retry": 0, "failed": 0}
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 5
    first = smtp.messages[0]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["In-Reply-To"] == "<x@example.com>"
    assert first["Message-ID"] == OutboundMessage.objects.get(to=first["To"]).message_id
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_dedupe_key_makes_a_second_enqueue_a_no_op(smtp):
    assert delivery.enqueue(kind="t", to="a@example.com", subject="s", text="t", dedupe_key="k1")
    assert delivery.enqueue(kind="t", to="a@example.com", subject="s", text="t", dedupe_key="k1") is None
    assert OutboundMessage.objects.count() == 1


def test_server_down_retries_with_backoff_then_delivers(settings, smtp):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    queue(2)
    now = timezone.now()
    assert delivery.deliver_due(now) == {"sent": 0, "retry": 2, "failed": 0}
    row = OutboundMessage.objects.first()
    assert row.attempts == 1 and row.next_attempt_at == now + timedelta(minutes=1) and row.last_error
    assert delivery.deliver_due(now) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    settings.EMAIL_PORT = port
    assert delivery.deliver_due(now + timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 2


def test_gives_up_after_the_last_attempt(settings, smtp):
    settings.EMAIL_PORT = 1
    queue(1)
    when = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(when)
        when += timedelta(hours=2)
    assert OutboundMessage.objects.get().state == "failed"


def test_a_claimed_row_is_not_sent_by_another_worker_until_its_lease_ends(smtp):
    queue(1)
    now = timezone.now()
    claimed = delivery.claim(now, 10)
    assert len(claimed) == 1
    assert delivery.deliver_due(now) == {"sent": 0, "retry": 0, "failed": 0}
    assert delivery.deliver_due(now + delivery.LEASE + timedelta(seconds=1))["sent"] == 1
