"""Hostile mail through intake: each message of the security review is quarantined with
its reason and the next message of the same batch is processed; a message that stops its
parser is retried and quarantined after the last attempt; one that takes its intake down
with it is quarantined after as many take-ups; nothing is parsed in the desk's process."""

from __future__ import annotations

import io
import json
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from casedesk.mail import batch, decisions, intake, parsing
from casedesk.mail.management.commands.ingest_email import read_message
from casedesk.mail.models import InboundMessage
from casedesk.mime import parse, sandbox
from tests.mail import hostile
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def misbehaving(settings, monkeypatch):
    """Intake's parser is the misbehaving one (`hostile_worker`), with the desk's limits."""
    made: list[sandbox.Sandbox] = []

    def use(seconds: float = 5) -> None:
        settings.CASEDESK_MAIL_PARSE_SECONDS = seconds
        memory = settings.CASEDESK_MAIL_PARSE_MEMORY_MB * 1024 * 1024
        made.append(sandbox.Sandbox(seconds=seconds, memory=memory, entry="tests.mail.hostile_worker"))
        monkeypatch.setattr(parsing, "_sandbox", made[-1])

    yield use
    for box in made:
        box.close()


@pytest.fixture
def nothing_parsed_here(monkeypatch):
    """Parsing in this process fails the test: intake must read in the sandbox."""

    def refuse(raw: bytes) -> None:
        raise AssertionError("a received message was parsed in the desk's own process")

    monkeypatch.setattr(parse, "parse", refuse)


def _next(desk) -> bytes:
    return make_mail(desk["mpoc"].email, subject="Next in the batch")


@pytest.mark.parametrize(("name", "make", "reason"), hostile.REVIEWED + hostile.EACH_LIMIT)
def test_each_hostile_message_is_quarantined_and_the_next_processed(
    desk, nothing_parsed_here, name, make, reason
):
    bad, good = batch.ingest_many([make(), _next(desk)])
    assert (
        bad.outcome == "quarantined" and "The message cannot be read" in bad.reason and reason in bad.reason
    )
    assert good.outcome == "created"
    row = InboundMessage.objects.get(pk=bad.inbound_id)
    assert row.state == "quarantined" and row.reason == bad.reason and row.reading is None
    assert row.attempts == 1  # refused at once: a limit is not the machine's fault


def test_a_message_that_kills_its_parser_is_retried_then_quarantined(desk, misbehaving, settings):
    misbehaving()
    bad, good = batch.ingest_many([hostile.marked("kill"), _next(desk)])
    assert bad.outcome == "pending" and "killed (SIGKILL" in bad.reason
    assert good.outcome == "created"
    later = timezone.now()
    for _ in range(settings.CASEDESK_INBOUND_MAX_ATTEMPTS - 2):
        later += timedelta(hours=2)
        assert intake.retry_due(later) == {"pending": 1}
    assert intake.retry_due(later + timedelta(hours=2)) == {"quarantined": 1}
    row = InboundMessage.objects.get(pk=bad.inbound_id)
    assert row.state == "quarantined" and row.attempts == settings.CASEDESK_INBOUND_MAX_ATTEMPTS
    assert row.reason.startswith("Processing failed 5 times; last error: the parser process was killed")


def test_a_message_that_runs_its_parser_out_of_memory_is_quarantined(desk, misbehaving):
    misbehaving()
    bad, good = batch.ingest_many([hostile.marked("hog"), _next(desk)])
    assert bad.outcome == "quarantined" and "ran out of memory (limit 512 MiB)" in bad.reason
    assert good.outcome == "created"


def test_a_message_that_hangs_its_parser_is_stopped_at_the_time_limit(desk, misbehaving, settings):
    settings.CASEDESK_INBOUND_MAX_ATTEMPTS = 2
    misbehaving(seconds=1)
    bad, good = batch.ingest_many([hostile.marked("hang"), _next(desk)])
    assert bad.outcome == "pending" and "took longer than 1 s" in bad.reason
    assert good.outcome == "created"
    assert intake.retry_due(timezone.now() + timedelta(hours=1)) == {"quarantined": 1}
    assert (
        "took longer than 1 s; the parser was stopped" in InboundMessage.objects.get(pk=bad.inbound_id).reason
    )


class _Died(BaseException):
    """The intake's process ending mid-message: nothing after it runs, nothing is recorded."""


def test_a_message_that_takes_its_intake_down_is_quarantined_after_n_take_ups(desk, monkeypatch, settings):
    real = decisions.decide

    def deadly(parsed, *args):
        if parsed.subject == "Deadly":
            raise _Died
        return real(parsed, *args)

    monkeypatch.setattr(decisions, "decide", deadly)
    deadly_mail, next_mail = make_mail(desk["mpoc"].email, subject="Deadly"), _next(desk)
    with pytest.raises(_Died):
        batch.ingest_many([deadly_mail, next_mail])  # stored, then the process "dies"
    step = intake.LEASE + timedelta(seconds=1)
    later = timezone.now() + step
    with time_machine.travel(later, tick=False), pytest.raises(_Died):
        batch.ingest_many([deadly_mail, next_mail])  # delivered again (an IMAP poll): claimed again
    for _ in range(settings.CASEDESK_INBOUND_MAX_ATTEMPTS - 2):
        later += step
        with pytest.raises(_Died):
            intake.retry_due(later)
    row = InboundMessage.objects.order_by("id").first()
    assert row.state == "pending" and row.attempts == settings.CASEDESK_INBOUND_MAX_ATTEMPTS
    assert intake.retry_due(later + step) == {"quarantined": 1, "created": 1}  # and the next one goes on
    row.refresh_from_db()
    assert row.state == "quarantined"
    assert row.reason == (
        "Taken up 5 times without an outcome; last error: none recorded, "
        "so the process handling it ended each time"
    )


@pytest.mark.django_db(transaction=True)
def test_the_listener_reads_in_the_sandbox(desk, nothing_parsed_here):
    from casedesk.mail.listener import IntakeController
    from tests.mail.smtp_sink import free_port

    controller = IntakeController(host="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=30) as client:
            client.sendmail(desk["mpoc"].email, ["support@example.com"], hostile.folded_subject(10_000_000))
            code, reply = client.mail(desk["mpoc"].email)[0], None
            client.rcpt("support@example.com")
            code, reply = client.data(_next(desk))
        controller.handler.intake.wait_idle()
    finally:
        controller.stop()
    assert code == 250 and b"queued as" in reply
    assert list(InboundMessage.objects.order_by("id").values_list("state", flat=True)) == [
        "quarantined",
        "done",
    ]


def test_the_sweep_reads_in_the_sandbox(desk, nothing_parsed_here, monkeypatch):
    from casedesk.mail import routing

    real = routing.platform_for
    calls = []

    def once(contact, text, platforms=None):
        calls.append(text)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(contact, text, platforms)

    monkeypatch.setattr(routing, "platform_for", once)
    assert intake.ingest(make_mail(desk["mpoc"].email, subject="Retry me")).outcome == "pending"
    assert intake.retry_due(timezone.now() + timedelta(minutes=5)) == {"created": 1}


def test_the_console_shows_the_reading_kept_at_intake(desk, nothing_parsed_here):
    from django.test import Client

    from tests.factories import StaffFactory

    html = "<p>Phones <b>down</b></p><script>alert(1)</script>"
    raw = make_mail(
        "stranger@elsewhere.example.org",
        subject="Help",
        html=html,
        attachments=[("trace.pcap", "application/vnd.tcpdump.pcap", b"\xd4\xc3\xb2\xa1" * 256)],
    )
    result = intake.ingest(raw)
    row = InboundMessage.objects.get(pk=result.inbound_id)
    assert row.state == "quarantined" and row.reading["text"].startswith("All our desk phones")
    assert row.reading["attachments"] == [
        {"name": "trace.pcap", "content_type": "application/vnd.tcpdump.pcap", "size": 1024, "inline": False}
    ]
    client = Client()
    client.force_login(StaffFactory())
    page = client.get(f"/console/mail/{row.pk}/")
    assert page.status_code == 200
    assert (
        b"All our desk phones" in page.content
        and b"trace.pcap" in page.content
        and b"1.0\xc2\xa0KB" in page.content
    )
    assert b"<script>alert(1)</script>" not in page.content
    bad = batch.ingest_many([hostile.nested_divs(60_000)])[0]
    page = client.get(f"/console/mail/{bad.inbound_id}/")
    assert b"HTML nested deeper than 500 elements" in page.content and b"Headers" not in page.content


def test_accepting_from_quarantine_reads_in_the_sandbox(desk, nothing_parsed_here):
    from tests.factories import ContactFactory, StaffFactory

    contact = ContactFactory(email="boss@elsewhere.example.org")
    stranger = intake.ingest(make_mail("someone@elsewhere.example.org", subject="From a stranger"))
    assert stranger.outcome == "quarantined"
    accepted = intake.accept(stranger.inbound_id, by=StaffFactory(), contact=contact)
    assert accepted.outcome == "created"


class _Endless(io.RawIOBase):
    """A stream that never ends, counting what is read from it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size < 0 else size
        self.given += size
        return b"x" * size


def test_ingest_email_checks_the_size_while_reading(desk, settings, tmp_path, monkeypatch):
    stream = _Endless()
    assert read_message(stream, 1000) is None and stream.given == 1001  # stopped one byte past
    settings.CASEDESK_MAIL_MAX_BYTES = 2000
    big, small = tmp_path / "1-big.eml", tmp_path / "2-small.eml"
    big.write_bytes(make_mail(desk["mpoc"].email, body="x" * 5000))
    small.write_bytes(make_mail(desk["mpoc"].email, subject="Small"))
    out = io.StringIO()
    call_command("ingest_email", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines] == ["refused", "created"]
    assert lines[0]["reason"] == "The message is over the 2,000 byte limit; it was not stored."
    assert list(InboundMessage.objects.values_list("subject", flat=True)) == ["Small"]  # never stored
    stdin = io.TextIOWrapper(io.BytesIO(big.read_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    with pytest.raises(CommandError) as refused:
        call_command("ingest_email", stdout=io.StringIO())
    assert refused.value.returncode == 65 and InboundMessage.objects.count() == 1
