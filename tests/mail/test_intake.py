"""Intake: who may, threading, reopen rules, duplicates, crashes, loops."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.mail import batch, decisions, intake
from casedesk.mail.models import InboundMessage
from casedesk.outbox import threading
from casedesk.outbox.models import MessageLink, OutboundMessage
from tests.factories import ContactFactory, StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes, **kw) -> intake.Result:
    return intake.ingest(raw, **kw)


def test_an_mpoc_opens_a_p4_case_assigned_round_robin(desk):
    results = [ingest(make_mail("dana.mpoc@ACME.example.com", subject=f"Outage {i}")) for i in range(3)]
    assert [r.outcome for r in results] == ["created"] * 3
    cases = [Case.objects.get(pk=int(r.case.split("-")[1])) for r in results]
    first = cases[0]
    assert first.priority == "P4" and first.needs_triage and first.channel == "email"
    assert first.contact == desk["mpoc"] and first.team == desk["team"] and first.platform == desk["platform"]
    assert [c.assignee for c in cases] == [desk["techs"][0], desk["techs"][1], desk["techs"][0]]
    ack = OutboundMessage.objects.filter(case=first, kind="case_opened").get()
    assert first.number in ack.subject and ack.to == desk["mpoc"].email
    assert ack.headers["Auto-Submitted"] == "auto-generated"
    inbound = InboundMessage.objects.get(case=first)
    assert ack.headers["In-Reply-To"] == inbound.message_id
    assert ack.headers["Reply-To"] == threading.support_address(first, to=desk["mpoc"].email)


def test_with_no_one_on_shift_the_case_waits_in_triage(desk):
    from casedesk.accounts.models import Shift

    Shift.objects.all().delete()
    case = Case.objects.get(pk=int(ingest(make_mail(desk["mpoc"].email)).case.split("-")[1]))
    assert case.assignee is None and case.needs_triage and case.team == desk["team"]


def test_a_contact_who_is_not_an_mpoc_is_told_who_is(desk):
    result = ingest(make_mail("LEE@acme.example.com"))
    assert result.outcome == "refused" and result.case is None
    assert not Case.objects.exists()
    answer = OutboundMessage.objects.get()
    assert answer.to == "lee@acme.example.com" and answer.kind == "mpoc_refusal"
    assert desk["mpoc"].email in answer.text and "No case was opened" in answer.text


def test_an_unknown_sender_is_quarantined_never_dropped(desk):
    result = ingest(make_mail("stranger@elsewhere.example.org"))
    assert result.outcome == "quarantined" and "Unknown sender" in result.reason
    row = InboundMessage.objects.get()
    assert row.state == "quarantined" and row.raw
    assert not Case.objects.exists() and not OutboundMessage.objects.exists()


def _case(desk) -> Case:
    result = ingest(make_mail(desk["mpoc"].email, message_id="<first@client.example.net>"))
    return Case.objects.get(pk=int(result.case.split("-")[1]))


def test_threading_by_in_reply_to_and_references(desk):
    case = _case(desk)
    ack_id = OutboundMessage.objects.get(case=case).message_id
    reply = make_mail(
        desk["mpoc"].email, subject="Re: something else", body="More detail", in_reply_to=ack_id
    )
    assert ingest(reply).outcome == "appended"
    by_refs = make_mail(
        desk["other"].email, subject="no tag", body="Me too", references=f"<unknown@x> {ack_id} <other@y>"
    )
    result = ingest(by_refs)
    assert result.outcome == "appended" and result.case == case.number
    bodies = list(case.events.filter(kind="comment").values_list("body", flat=True))
    assert bodies == ["More detail", "Me too"]


def test_threading_by_subject_tag(desk):
    case = _case(desk)
    result = ingest(make_mail(desk["mpoc"].email, subject=f"Re: [{case.number}] Phones", body="tagged"))
    assert (result.outcome, result.case) == ("appended", case.number)


def test_threading_by_plus_address(desk):
    case = _case(desk)
    raw = make_mail(
        desk["mpoc"].email, subject="no tag", body="plus", to=f"Support+{case.number}@example.com"
    )
    assert ingest(raw).case == case.number
    # and by envelope recipient alone (a forwarding server)
    raw = make_mail(desk["mpoc"].email, subject="again", body="env")
    assert ingest(raw, envelope_to=[f"support+{case.number}@example.com"]).case == case.number


def test_a_stranger_cannot_append_by_guessing_a_case_number(desk):
    case = _case(desk)
    outsider = ContactFactory(email="mallory@other.example.org")
    result = ingest(make_mail(outsider.email, subject=f"[{case.number}] hi", body="inject"))
    assert result.outcome == "quarantined" and "not a participant" in result.reason
    assert not case.events.filter(kind="comment").exists()


def test_an_address_on_the_thread_may_reply(desk):
    case = _case(desk)
    MessageLink.objects.create(
        message_id="<cc@x>",
        case=case,
        direction="in",
        address="partner@vendor.example.net",
        created_at=timezone.now(),
    )
    result = ingest(make_mail("partner@vendor.example.net", subject=f"[{case.number}]", body="vendor note"))
    assert result.outcome == "appended"
    assert "partner@vendor.example.net" in case.events.filter(kind="comment").get().body


def _close(case: Case, status: str = "closed") -> None:
    staff = StaffFactory()
    if status == "closed":
        actions.transition(case, to="closed", by=staff, resolution="Replaced the switch.")
    else:
        actions.transition(case, to="in_progress", by=staff)
        actions.transition(case, to="closed_no_response", by=None)


def test_a_reply_within_seven_days_reopens(desk):
    case = _case(desk)
    _close(case)
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        result = ingest(make_mail(desk["mpoc"].email, subject=f"Re: [{case.number}]", body="It is back."))
    assert (result.outcome, result.case) == ("reopened", case.number)
    case.refresh_from_db()
    assert case.status == "customer_reopened"


def test_a_reply_after_seven_days_opens_a_linked_case(desk):
    case = _case(desk)
    _close(case)
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        result = ingest(make_mail(desk["mpoc"].email, subject=f"Re: [{case.number}]", body="It is back."))
    assert result.outcome == "follow_up_created" and result.case != case.number
    follow = Case.objects.get(pk=int(result.case.split("-")[1]))
    assert follow.follow_up_of == case and case in follow.related.all() and follow.channel == "email"
    assert follow.team == desk["team"] and follow.assignee is None  # no one on shift 8 days on


def test_a_reply_after_closed_no_response_opens_a_linked_case(desk):
    case = _case(desk)
    _close(case, "closed_no_response")
    result = ingest(make_mail(desk["mpoc"].email, subject=f"Re: [{case.number}]", body="Sorry, was away"))
    assert result.outcome == "follow_up_created"


def test_the_same_message_twice_is_recorded_once(desk):
    raw = make_mail(desk["mpoc"].email, message_id="<same@client.example.net>")
    first = ingest(raw)
    again = ingest(b"Received: from relay2 by mx2; Mon, 1 Jan 2024 00:00:00 +0000\r\n" + raw)
    assert again.outcome == "duplicate" and again.case == first.case
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_crash_part_way_leaves_the_message_stored_and_retried(desk, monkeypatch):
    real = actions.open_cases

    def crash(openings):
        real(openings)
        raise RuntimeError("power cut")

    monkeypatch.setattr(actions, "open_cases", crash)
    result = ingest(make_mail(desk["mpoc"].email))
    assert result.outcome == "pending"
    row = InboundMessage.objects.get()
    assert row.state == "pending" and row.raw and "power cut" in row.last_error
    assert not Case.objects.exists() and not OutboundMessage.objects.exists()  # rolled back whole
    monkeypatch.setattr(actions, "open_cases", real)
    assert intake.retry_due(timezone.now()) == {}  # not due before its backoff
    assert intake.retry_due(timezone.now() + timedelta(minutes=2)) == {"created": 1}
    assert Case.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_a_message_failing_every_time_ends_in_quarantine(desk, monkeypatch, settings):
    settings.CASEDESK_INBOUND_MAX_ATTEMPTS = 2
    monkeypatch.setattr(decisions, "decide", lambda parsed, found, checked=None: 1 / 0)
    assert ingest(make_mail(desk["mpoc"].email)).outcome == "pending"
    assert intake.retry_due(timezone.now() + timedelta(hours=1)) == {"quarantined": 1}
    row = InboundMessage.objects.get()
    assert row.state == "quarantined" and "ZeroDivisionError" in row.reason


def test_an_unreadable_message_is_quarantined_with_the_reason(desk):
    result = ingest(b"\r\n\r\n")
    assert result.outcome == "quarantined" and "cannot be read" in result.reason


def test_attachments_are_kept_under_server_names_and_unsafe_ones_noted(desk):
    raw = make_mail(
        desk["mpoc"].email,
        attachments=[
            ("../trace.txt", "text/plain", b"trace"),
            ("run.exe", "application/octet-stream", b"MZ"),
        ],
    )
    case = Case.objects.get(pk=int(ingest(raw).case.split("-")[1]))
    (attachment,) = case.attachments.all()
    assert attachment.name == "trace.txt" and "trace" not in attachment.file.name
    assert "run.exe" in case.description and "not kept" in case.description
    ack = OutboundMessage.objects.get(kind="case_opened")
    assert "could not keep" in ack.text and "run.exe" in ack.text and "not accepted" in ack.text


def test_a_macro_document_is_left_out_and_the_sender_told_why(desk):
    raw = make_mail(
        desk["mpoc"].email,
        attachments=[("budget.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", b"PK\x03\x04")],
    )
    case = Case.objects.get(pk=int(ingest(raw).case.split("-")[1]))
    assert not case.attachments.exists() and "budget.xlsm" in case.description
    ack = OutboundMessage.objects.get(kind="case_opened")
    assert "budget.xlsm" in ack.text and "macros" in ack.text and "macros" in ack.html


def test_automatic_answers_are_capped_per_sender(desk, settings):
    settings.CASEDESK_AUTO_ANSWERS_PER_DAY = 2
    for i in range(4):
        assert ingest(make_mail("lee@acme.example.com", subject=f"loop {i}")).outcome == "refused"
    assert OutboundMessage.objects.count() == 2


def test_a_subject_with_line_breaks_becomes_a_folded_title_not_a_lost_mail(desk):
    raw = make_mail(desk["mpoc"].email, subject="Phones down").replace(
        b"Subject: Phones down", b"Subject: =?utf-8?q?Phones_down=0D=0ABcc:_x@example.com?="
    )
    result = ingest(raw)
    assert result.outcome == "created"
    case = Case.objects.get(pk=int(result.case.split("-")[1]))
    assert case.title == "Phones down Bcc: x@example.com"
    ack = OutboundMessage.objects.get(kind="case_opened")
    assert "\n" not in ack.subject and "\r" not in ack.subject


def test_the_cap_does_not_silence_an_mpocs_acknowledgements(desk, settings):
    settings.CASEDESK_AUTO_ANSWERS_PER_DAY = 5
    for i in range(7):
        assert ingest(make_mail(desk["mpoc"].email, subject=f"Outage {i}")).outcome == "created"
    assert OutboundMessage.objects.filter(kind="case_opened", to=desk["mpoc"].email).count() == 7


def test_automatic_mail_from_an_mpoc_opens_nothing_and_is_not_answered(desk):
    raw = make_mail(desk["mpoc"].email, subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
    assert ingest(raw).outcome == "auto_reply"
    assert not OutboundMessage.objects.exists() and not Case.objects.exists()


def test_command_prints_one_json_line_per_message(desk, tmp_path):
    one = tmp_path / "one.eml"
    one.write_bytes(make_mail(desk["mpoc"].email))
    two = tmp_path / "two.eml"
    two.write_bytes(make_mail("nobody@nowhere.example.org"))
    out = StringIO()
    call_command("ingest_email", str(one), str(two), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines] == ["created", "quarantined"]
    assert lines[0]["case"].startswith("CS-") and "main point of contact" in lines[0]["reason"]


def test_command_takes_a_maildir_in_batches_with_the_envelope(desk, tmp_path, monkeypatch):
    from casedesk.mail.management.commands import ingest_email

    monkeypatch.setattr(ingest_email, "BATCH", 2)
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i in range(3):
        (maildir / "new" / f"{i}.eml").write_bytes(make_mail(desk["mpoc"].email, subject=f"New {i}"))
    (maildir / "cur" / "old.eml").write_bytes(make_mail(desk["mpoc"].email, subject="Seen"))
    (maildir / "tmp" / "partial.eml").write_bytes(b"From: half")  # being written: not taken
    out = StringIO()
    call_command("ingest_email", str(maildir), "--recipient", "support@example.com", stdout=out)
    assert [json.loads(line)["outcome"] for line in out.getvalue().splitlines()] == ["created"] * 4
    assert sorted(Case.objects.values_list("title", flat=True)) == ["New 0", "New 1", "New 2", "Seen"]
    assert set(InboundMessage.objects.values_list("envelope_to", flat=True)) == {"support@example.com"}


def test_command_reads_standard_input(desk, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(make_mail(desk["mpoc"].email))))
    out = StringIO()
    call_command("ingest_email", "-", stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "created"


def test_a_batch_commits_together_and_one_failure_stays_its_own(desk, fail_on):
    raws = [make_mail(desk["mpoc"].email, subject=f"Batch {i}") for i in range(4)]
    fail_on("Batch 2")
    results = batch.ingest_many([*raws, raws[0]], batch=3)
    assert [r.outcome for r in results] == ["created", "created", "pending", "created", "duplicate"]
    assert Case.objects.count() == 3
    assert InboundMessage.objects.get(subject="").state == "pending"  # still stored, retried later


def test_a_crash_before_the_batch_commits_leaves_it_stored_and_pending(desk, monkeypatch):
    raws = [make_mail(desk["mpoc"].email, subject=f"Crash {i}") for i in range(3)]
    real = batch._write

    def killed_after_writing(plans):
        real(plans)
        raise SystemExit("killed")  # not an Exception: nothing catches it

    monkeypatch.setattr(batch, "_write", killed_after_writing)
    with pytest.raises(SystemExit):
        batch.ingest_many(raws)
    monkeypatch.setattr(batch, "_write", real)
    assert not Case.objects.exists()
    assert list(InboundMessage.objects.values_list("state", flat=True)) == ["pending"] * 3
    later = timezone.now() + intake.LEASE + timedelta(minutes=2)
    assert intake.retry_due(later) == {"created": 3}


def test_a_long_running_intake_warms_up_before_its_first_message(desk):
    from casedesk.mail import parsing

    parsing.sandbox().close()
    intake.warm_up()
    assert len(parsing.sandbox()._idle) == 1  # a parser process waits for the first message
    result = intake.ingest(make_mail(desk["mpoc"].email, subject="After the warm-up"))
    assert result.outcome == "created"
