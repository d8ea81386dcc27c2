"""A large batch over several reused SMTP connections: statements per batch, not per
message; every message once, as Django would have built it; a refused address fails alone."""

from __future__ import annotations

import email
import email.policy
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.core import clock
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.status import notices
from casedesk.status.models import Subscription
from tests.cases.test_concurrency import in_threads
from tests.mail.smtp_sink import free_port
from tests.status.helpers import PlatformFactory

REFUSED = "refused@example.net"


class Recorder:
    """Keeps each message with the connection it came over; answers 550 for REFUSED."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[object, list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((session.peer, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def sink(settings):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.CASEDESK_BASE_URL = "http://127.0.0.1:8000"
    yield recorder
    controller.stop()


def subscribe(n: int) -> dict[str, str]:
    platform = PlatformFactory()
    now = clock.now()
    Subscription.objects.bulk_create(
        [
            Subscription(email=f"s{i}@example.net", platform=platform, created_at=now, confirmed_at=now)
            for i in range(n)
        ]
    )
    return dict(Subscription.objects.values_list("email", "token"))


def fan_out(n: int, notice: str = "incident-update:1") -> dict[str, str]:
    tokens = subscribe(n)
    recipients = [notices.Recipient(address, token) for address, token in tokens.items()]
    added = notices.fan_out(
        notice=notice,
        kind="status_incident",
        recipients=recipients,
        subject="[Monitoring] Calls dropping (CS-000001)",
        context={
            "heading": "Calls dropping: Monitoring",
            "body": "Fix deployed.",
            "facts": [],
            "link": "/s/",
        },
    )
    assert added == n
    return tokens


def queue(addresses: list[str]) -> None:
    delivery.save_many(
        [
            delivery.build(kind="test", to=a, subject=f"Hello {a}", text="Body", html="<p>Body</p>")
            for a in addresses
        ]
    )


@pytest.mark.django_db
def test_a_fan_out_arrives_once_each_with_its_own_links_over_several_connections(sink):
    tokens = fan_out(1000)
    while delivery.deliver_due(limit=500)["sent"]:
        pass
    rows = {row.to: row for row in OutboundMessage.objects.all()}
    assert len(sink.received) == 1000
    assert sorted(to for _, (to,), _ in sink.received) == sorted(tokens)
    for _, (to,), message in sink.received:
        row, unsubscribe = rows[to], notices.unsubscribe_url(tokens[to])
        assert message["To"] == to and message["Message-ID"] == row.message_id
        assert message["Subject"] == row.subject
        assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"  # folded, as Django folds it
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated" and message["Precedence"] == "bulk"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert unsubscribe in text and notices.manage_url(tokens[to]) in text
        assert unsubscribe in html and row.text.replace("\r\n", "\n") == text.replace("\r\n", "\n")
    # Two batches of 500, each over its own CONNECTIONS connections, each reused throughout.
    assert len({peer for peer, _, _ in sink.received}) == 2 * delivery.CONNECTIONS
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_batch_costs_statements_per_batch_not_per_message(sink):
    queue([f"r{i}@example.net" for i in range(500)])
    with CaptureQueriesContext(connection) as queries:
        assert delivery.deliver_due(limit=500) == {"sent": 500, "retry": 0, "failed": 0}
    # The claim, the suppressions asked once, and one UPDATE per MARK_EVERY sent.
    assert len(queries) <= 6 + 500 // delivery.MARK_EVERY, [q["sql"][:80] for q in queries]
    assert len(sink.received) == 500


@pytest.mark.django_db
def test_a_refused_address_fails_alone(sink):
    addresses = [f"r{i}@example.net" for i in range(80)]
    addresses[37] = REFUSED
    queue(addresses)
    assert delivery.deliver_due(limit=500) == {"sent": 79, "retry": 1, "failed": 0}
    refused = OutboundMessage.objects.get(to=REFUSED)
    assert refused.state == "pending" and refused.attempts == 1 and "550" in refused.last_error
    assert refused.locked_until is None
    assert OutboundMessage.objects.filter(state="sent").count() == 79
    assert REFUSED not in {to for _, tos, _ in sink.received for to in tos}
    assert len(sink.received) == 79


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_row_twice(sink):
    queue([f"r{i}@example.net" for i in range(600)])

    def work(index: int) -> int:
        sent = 0
        while counts := delivery.deliver_due(limit=100):
            if not counts["sent"]:
                break
            sent += counts["sent"]
        return sent

    assert sum(in_threads(2, work)) == 600  # type: ignore[arg-type]
    ids = [message["Message-ID"] for _, _, message in sink.received]
    assert len(ids) == 600 and len(set(ids)) == 600
    assert set(ids) == set(OutboundMessage.objects.values_list("message_id", flat=True))


@pytest.mark.django_db
def test_the_connections_wait_while_too_many_are_sent_and_not_yet_marked(sink, monkeypatch):
    queue([f"r{i}@example.net" for i in range(200)])
    real, marked, ahead = delivery._mark_sent, [0], []

    def slow(rows, counts):
        time.sleep(0.2)  # a slow database: the connections may run ahead meanwhile, not further
        ahead.append(len(sink.received) - marked[0])
        real(rows, counts)
        marked[0] += len(rows)

    monkeypatch.setattr(delivery, "_mark_sent", slow)
    assert delivery.deliver_due(limit=500)["sent"] == 200
    assert ahead and max(ahead) <= delivery.UNMARKED  # what a crash at that moment would repeat
