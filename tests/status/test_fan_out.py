"""Fan-out: one update to many subscribers in one pass, delivered in batches over reused
SMTP connections, exactly once each even when a worker dies half-way."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest

from casedesk.core import clock
from casedesk.outbox import delivery as outbox
from casedesk.outbox.models import OutboundMessage
from casedesk.status import masters
from casedesk.status.models import Subscription
from tests.factories import ManagerFactory
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db
N = 300


def test_update_reaches_every_subscriber_once_despite_a_dying_worker(smtp_server):
    voice = PlatformFactory()
    now = clock.now()
    Subscription.objects.bulk_create(
        [
            Subscription(email=f"s{n}@example.net", platform=voice, created_at=now, confirmed_at=now)
            for n in range(N)
        ]
    )
    staff = ManagerFactory()
    master = masters.create_master(by=staff, title="Outage", body="Investigating.", platforms=[voice])
    assert OutboundMessage.objects.filter(kind="status_incident").count() == N
    masters.post_update(master, by=staff, body="Identified.", state="identified")
    assert OutboundMessage.objects.filter(kind="status_incident").count() == 2 * N

    # A worker sends 150 messages and dies (SystemExit in one of its connections' threads):
    # what the server accepted is marked sent, the rest of its claimed batch stays leased.
    real_send = outbox._transmit
    sent = {"n": 0}
    lock = threading.Lock()

    def dying(*args):
        with lock:
            if sent["n"] == 150:
                raise SystemExit("worker killed")
            sent["n"] += 1
        return real_send(*args)

    with mock.patch.object(outbox, "_transmit", side_effect=dying), pytest.raises(SystemExit):
        outbox.deliver_due(clock.now(), limit=500)
    later = clock.now() + outbox.LEASE + timedelta(seconds=1)
    while outbox.deliver_due(later, limit=500)["sent"]:
        pass
    received = [m["To"] for m in smtp_server.messages if m["To"].endswith("@example.net")]
    assert len(received) == 2 * N
    assert sorted(set(received)) == sorted(f"s{n}@example.net" for n in range(N))
    assert all(received.count(a) == 2 for a in ("s0@example.net", f"s{N - 1}@example.net"))
    assert not OutboundMessage.objects.exclude(state="sent").exists()
