"""The ways in: a real SMTP/LMTP conversation with the listener, and the IMAP poller
against a private dovecot."""

from __future__ import annotations

import imaplib
import shutil
import smtplib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from casedesk.cases.models import Case
from casedesk.mail import batch, imap
from casedesk.mail.embedded import EmbeddedMail
from casedesk.mail.listener import IntakeController
from casedesk.mail.models import InboundMessage
from tests.mail.dovecot import Dovecot
from tests.mail.mailgen import make_mail
from tests.mail.smtp_sink import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener():
    controller = IntakeController(host="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def test_smtp_conversation_with_the_listener(desk, listener):
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo("client.example.net")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("x@example.net", ["someone-else@example.com"], b"Subject: x\r\n\r\nx")
        code, reply = client.mail(desk["mpoc"].email)[0], None
        assert code == 250
        assert client.rcpt("Support@Example.com")[0] == 250
        code, reply = client.data(make_mail(desk["mpoc"].email, subject="Via SMTP"))
        # Answered once stored: the processing comes after.
        row_id = InboundMessage.objects.get().pk
        assert code == 250 and reply == f"2.0.0 OK queued as {row_id}".encode()
        listener.handler.intake.wait_idle()
        # The same message again is ours already.
        client.mail(desk["mpoc"].email)
        client.rcpt("support@example.com")
        raw = InboundMessage.objects.get().raw
        code, reply = client.data(bytes(raw))
        assert code == 250 and reply == f"2.0.0 OK queued as {row_id} (received before)".encode()
    listener.handler.intake.wait_idle()
    case = Case.objects.get()
    assert case.title == "Via SMTP"
    row = InboundMessage.objects.get()
    assert row.source == "smtp" and row.envelope_to == "Support@Example.com"
    assert row.state == "done" and row.outcome == "created" and row.case == case


class _Statements:
    """The statements the listener's intake thread sends (its own connection)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = CursorWrapper._execute_with_wrappers

        def counted(cursor, sql, params, many, executor):
            if threading.current_thread().name.startswith("mail-intake"):
                self.count += 1
            return real(cursor, sql, params, many, executor)

        monkeypatch.setattr(CursorWrapper, "_execute_with_wrappers", counted)


def _slow_first_group(monkeypatch) -> list[list[int]]:
    """The rows of each group processed; the first group is slow, as a busy database is."""
    groups: list[list[int]] = []
    real = batch.take

    def spy(stored, *args, **kwargs):
        groups.append([row.pk for row, _ in stored])
        if len(groups) == 1:
            time.sleep(0.3)
        return real(stored, *args, **kwargs)

    monkeypatch.setattr(batch, "take", spy)
    return groups


def test_one_connection_sending_one_message_after_another_is_processed_in_groups(desk, listener, monkeypatch):
    groups = _slow_first_group(monkeypatch)
    statements = _Statements(monkeypatch)
    # A generous wait for the next message of a stream, whatever the machine's load.
    listener.handler.intake.gap, listener.handler.intake.longest = 1, 10
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo("client.example.net")
        for n in range(20):
            client.mail(desk["mpoc"].email)
            client.rcpt("support@example.com")
            code, _ = client.data(make_mail(desk["mpoc"].email, subject=f"Stream {n}"))
            assert code == 250
    listener.handler.intake.wait_idle()
    # The first on its own and at once; the rest, sent while it was processed, together.
    assert [len(g) for g in groups] == [1, 19]
    rows = list(InboundMessage.objects.order_by("id"))
    assert [pk for g in groups for pk in g] == [row.pk for row in rows]  # in arrival order
    assert {row.state for row in rows} == {"done"}
    titles = list(Case.objects.order_by("id").values_list("title", flat=True))
    assert titles == [f"Stream {n}" for n in range(20)]
    # One statement to store each, and the groups' few (59 in all): not 16 or more each.
    assert statements.count <= 20 + 2 * 30


def test_a_burst_over_many_connections_is_taken_in_groups(desk, listener, monkeypatch):
    groups = _slow_first_group(monkeypatch)

    def send(index: int) -> list[bytes]:
        replies = []
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
            client.ehlo("client.example.net")
            for n in range(4):
                client.mail(desk["mpoc"].email)
                client.rcpt("support@example.com")
                code, reply = client.data(make_mail(desk["mpoc"].email, subject=f"Burst {index}-{n}"))
                assert code == 250
                replies.append(reply)
        return replies

    with ThreadPoolExecutor(8) as pool:
        replies = [r for chunk in pool.map(send, range(8)) for r in chunk]
    listener.handler.intake.wait_idle()
    assert len(replies) == 32 and all(b"OK queued as " in r for r in replies)
    assert len(set(replies)) == 32  # each sender told its own stored message
    assert sum(len(g) for g in groups) == 32 and len(groups) < 32 and max(len(g) for g in groups) > 1
    assert Case.objects.count() == 32
    assert set(InboundMessage.objects.values_list("envelope_to", flat=True)) == {"support@example.com"}
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"done"}


def test_messages_acknowledged_before_the_listener_died_are_processed_when_it_starts_again(desk, monkeypatch):
    first = IntakeController(host="127.0.0.1", port=free_port())
    # The listener dies after answering, before processing anything it stored.
    monkeypatch.setattr(first.handler.intake, "_process", lambda group: None)
    first.start()
    try:
        with smtplib.SMTP("127.0.0.1", first.port, timeout=30) as client:
            client.ehlo("client.example.net")
            for n in range(3):
                client.mail(desk["mpoc"].email)
                client.rcpt("support@example.com")
                code, reply = client.data(make_mail(desk["mpoc"].email, subject=f"Before {n}"))
                assert code == 250 and b"queued as" in reply
    finally:
        first.stop()
    rows = InboundMessage.objects.order_by("id")
    assert [row.state for row in rows] == ["pending"] * 3 and Case.objects.count() == 0
    # Still leased to the intake that died; once the lease is over, the next one takes them.
    rows.update(locked_until=timezone.now() - timedelta(seconds=1))
    again = IntakeController(host="127.0.0.1", port=free_port())
    again.start()
    try:
        again.handler.intake.wait_idle()
        deadline = time.monotonic() + 30
        while InboundMessage.objects.filter(state="pending").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        again.stop()
    assert [row.state for row in rows] == ["done"] * 3
    assert list(Case.objects.order_by("id").values_list("title", flat=True)) == [
        f"Before {n}" for n in range(3)
    ]


def test_lmtp_answers_per_recipient(desk):
    controller = IntakeController(host="127.0.0.1", port=free_port(), lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", controller.port) as client:
            client.sendmail(desk["mpoc"].email, ["support@example.com"], make_mail(desk["mpoc"].email))
    finally:
        controller.stop()
    assert InboundMessage.objects.get().source == "lmtp" and Case.objects.count() == 1


@pytest.fixture(scope="module")
def dovecot():
    if not shutil.which("dovecot"):
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    with Dovecot() as server:
        yield server


def _seed(server: Dovecot, messages: list[bytes]) -> None:
    with imaplib.IMAP4("127.0.0.1", server.port) as client:
        client.login(server.user, server.password)
        client.select("INBOX")
        client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)") if client.search(None, "ALL")[1][0] else None
        client.expunge()
        for raw in messages:
            client.append("INBOX", "", imaplib.Time2Internaldate(0), raw)


def _box(server: Dovecot, **kw) -> imap.Mailbox:
    return imap.Mailbox(
        host="127.0.0.1", port=server.port, user=server.user, password=server.password, ssl=False, **kw
    )


def test_imap_poller_flags_after_commit(desk, dovecot):
    _seed(dovecot, [make_mail(desk["mpoc"].email, subject=f"IMAP {i}") for i in range(3)])
    results = imap.poll_once(_box(dovecot))
    assert [r.outcome for r in results] == ["created"] * 3
    assert imap.poll_once(_box(dovecot)) == []  # flagged: not taken twice
    assert Case.objects.count() == 3 and set(InboundMessage.objects.values_list("source", flat=True)) == {
        "imap"
    }


def test_imap_poller_moves_and_leaves_failures_in_place(desk, dovecot, monkeypatch, fail_on):
    _seed(dovecot, [make_mail(desk["mpoc"].email, subject=s) for s in ("first", "will fail once", "third")])
    fail_on("will fail")
    box = _box(dovecot, done_folder="Processed")
    assert [r.outcome for r in imap.poll_once(box, batch=2)] == ["created", "pending", "created"]
    assert Case.objects.count() == 2
    monkeypatch.undo()
    # The next poll finds it still in the inbox and intake resumes the stored copy.
    InboundMessage.objects.update(next_attempt_at=None)
    assert [r.outcome for r in imap.poll_once(box)] == ["created"]
    with imaplib.IMAP4("127.0.0.1", dovecot.port) as client:
        client.login(dovecot.user, dovecot.password)
        client.select("INBOX")
        assert client.search(None, "UNDELETED")[1][0] == b""
        client.select("Processed")
        assert len(client.search(None, "ALL")[1][0].split()) == 3
    assert InboundMessage.objects.count() == 3 and Case.objects.count() == 3


def _arrived(title: str) -> bool:
    # The in-memory test database locks a table while the poller's thread writes to it; a
    # read that meets the lock has simply not seen the case yet.

    try:
        return Case.objects.filter(title=title).exists()
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False


def test_the_embedded_set_up_takes_mail_by_smtp_and_imap(desk, dovecot, settings):
    settings.CASEDESK_MAIL_LISTEN_PORT = free_port()
    settings.CASEDESK_IMAP_HOST, settings.CASEDESK_IMAP_PORT = "127.0.0.1", dovecot.port
    settings.CASEDESK_IMAP_USER, settings.CASEDESK_IMAP_PASSWORD = dovecot.user, dovecot.password
    settings.CASEDESK_IMAP_SSL, settings.CASEDESK_IMAP_INTERVAL = False, 1
    _seed(dovecot, [make_mail(desk["mpoc"].email, subject="By IMAP")])
    mail = EmbeddedMail()
    lines = mail.start()
    try:
        assert lines[0].startswith("SMTP intake for support@example.com") and lines[1].startswith("IMAP ")
        deadline = time.monotonic() + 30  # the poller runs in its own thread: wait for it
        while not _arrived("By IMAP") and time.monotonic() < deadline:
            time.sleep(0.1)
        # Then by SMTP: the in-memory test database cannot have two threads writing at once.
        with smtplib.SMTP("127.0.0.1", settings.CASEDESK_MAIL_LISTEN_PORT, timeout=30) as client:
            raw = make_mail(desk["mpoc"].email, "By SMTP")
            client.sendmail(desk["mpoc"].email, ["support@example.com"], raw)
    finally:
        mail.stop()
    assert sorted(Case.objects.values_list("title", flat=True)) == ["By IMAP", "By SMTP"]


def test_a_taken_port_is_reported_and_the_rest_goes_on(settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings.CASEDESK_MAIL_LISTEN_PORT = taken.getsockname()[1]
        settings.CASEDESK_IMAP_HOST = ""
        mail = EmbeddedMail()
        lines = mail.start()
        mail.stop()
    assert len(lines) == 1 and "NOT started" in lines[0]
