"""Intake in batches: the same outcomes as one message at a time, with look-ups and writes
shared by the batch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.accounts.models import TeamRotation
from casedesk.cases import actions
from casedesk.cases.models import Attachment, Case, CaseEvent
from casedesk.core.prepared import _NO_STATEMENT
from casedesk.mail import batch, intake, lookups, routing
from casedesk.mail.models import InboundMessage
from casedesk.outbox.models import MessageLink, OutboundMessage
from tests.factories import ContactFactory, StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db
FIRST = "<first@client.example.net>"


def _number(result: intake.Result) -> int:
    assert result.case is not None
    return int(result.case.split("-")[1])


def _mixed(desk) -> tuple[list[bytes], list[str]]:
    """Messages of every kind in one mailbox, in arrival order, with the outcome each must
    have whether they are taken one at a time or together."""
    mpoc, other = desk["mpoc"], desk["other"]
    staff = StaffFactory()
    existing = actions.open_case(by=mpoc, title="Earlier", channel="portal")
    closed = actions.open_case(by=mpoc, title="Closed last week", channel="portal")
    actions.transition(closed, to="closed", by=staff, resolution="Replaced the switch.")
    outsider = ContactFactory(email="mallory@other.example.org", is_primary_mpoc=True)
    first = make_mail(mpoc.email, subject="Trunk down", message_id=FIRST)
    raws = [
        first,
        # answers the message just before it: must see the case it opened
        make_mail(mpoc.email, subject="Re: Trunk down", body="more", in_reply_to=FIRST),
        make_mail(mpoc.email, subject="Second outage", message_id="<second@client.example.net>"),
        make_mail(other.email, subject="May I?"),
        make_mail("stranger@nowhere.example.org", subject="Hello"),
        make_mail(mpoc.email, subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
        make_mail(mpoc.email, subject=f"Re: [{closed.number}]", body="It is back."),
        make_mail(mpoc.email, subject=f"Re: [{existing.number}]", body="tagged reply"),
        first,  # the same message delivered twice
        make_mail(mpoc.email, subject="no tag", body="plus", to=f"support+{existing.number}@example.com"),
        make_mail(outsider.email, subject=f"[{existing.number}] let me in", body="inject"),
        make_mail(other.email, subject=f"Re: [{existing.number}]", body="from a colleague"),
        make_mail(mpoc.email, subject="With a trace", attachments=[("trace.txt", "text/plain", b"t")]),
        make_mail(
            mpoc.email,
            subject=f"Re: [{existing.number}] screenshot",
            body="see attached",
            attachments=[
                ("../shot.png", "image/png", b"\x89PNG\r\n"),
                ("run.exe", "application/x-msdownload", b"MZ"),
            ],
        ),
    ]
    outcomes = [
        "created",
        "appended",
        "created",
        "refused",
        "quarantined",
        "auto_reply",
        "reopened",
        "appended",
        "duplicate",
        "appended",
        "quarantined",
        "appended",
        "created",
        "appended",
    ]
    return raws, outcomes


def _summary(results: list[intake.Result]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each message's outcome and its case's timeline as (kind, actor kind) pairs."""
    out = []
    for result in results:
        events: list[tuple[str, str]] = []
        if result.case:
            events = list(
                CaseEvent.objects.filter(case_id=_number(result))
                .order_by("at", "id")
                .values_list("kind", "actor_kind")
            )
        out.append((result.outcome, events))
    return out


@pytest.mark.parametrize("together", [False, True], ids=["one-at-a-time", "batch"])
def test_a_mixed_mailbox_gives_the_same_outcomes_either_way(desk, together):
    raws, outcomes = _mixed(desk)
    results = batch.ingest_many(raws, batch=50) if together else [intake.ingest(raw) for raw in raws]
    assert [r.outcome for r in results] == outcomes
    summary = _summary(results)
    opened = [("created", "customer"), ("change", "system")]  # opened, then routed in turn
    assert summary[0][1] == [*opened, ("comment", "customer")]
    assert results[1].case == results[0].case
    assert summary[2][1] == opened
    assert summary[6][1][-1] == ("status", "customer")  # reopened
    assert results[7].case == results[9].case == results[11].case
    assert [k for k, _ in summary[7][1]].count("comment") == 4
    assert results[8].case == results[0].case  # the duplicate names the first delivery's case
    assert InboundMessage.objects.filter(state="pending").count() == 0
    # every message stored once, its outcome and case recorded
    rows = InboundMessage.objects.order_by("id")
    assert rows.count() == len(raws) - 1
    assert [r.outcome for r in rows] == [o for o in outcomes if o != "duplicate"]
    # each comment or opening links to its original message (the console shows it)
    for row in rows.filter(outcome__in=["created", "appended"]):
        assert row.event is not None and row.event.case_id == row.case_id
        assert row.event.kind == ("created" if row.outcome == "created" else "comment")
    # new cases in turn across the two technicians; answers thread back to each message
    new = Case.objects.filter(pk__in=[_number(results[0]), _number(results[2])]).order_by("pk")
    assert [c.assignee for c in new] == desk["techs"]
    # ... and the third new case (with the attachment) goes back to the first technician
    assert Case.objects.get(pk=_number(results[12])).assignee == desk["techs"][0]
    assert TeamRotation.objects.get(team=desk["team"]).last_user == desk["techs"][0]
    for case, message_id in zip(new, [FIRST, "<second@client.example.net>"], strict=True):
        ack = OutboundMessage.objects.get(case=case, kind="case_opened")
        assert ack.headers["In-Reply-To"] == message_id
        assert MessageLink.objects.filter(case=case, message_id=ack.message_id, direction="out").exists()
        assert MessageLink.objects.filter(case=case, message_id=message_id, direction="in").exists()
        assert case.first_response_due is not None and case.next_due_at == case.first_response_due
    assert OutboundMessage.objects.filter(kind="mpoc_refusal").count() == 1
    # attachments kept under server-made names, a refused kind noted on the comment
    assert [a.name for a in Attachment.objects.filter(case_id=_number(results[12]))] == ["trace.txt"]
    shot = Attachment.objects.get(case_id=_number(results[13]))
    assert shot.name == "shot.png" and shot.event.kind == "comment"
    assert "run.exe" in shot.event.body


def test_a_batch_reads_and_writes_in_a_few_statements_whatever_its_size(desk):
    """New cases and replies: the statements per batch do not grow with its size, except
    the one that counts automatic answers to each sender (the mail-loop cap)."""
    senders = [ContactFactory(organisation=desk["org"], is_secondary_mpoc=True) for _ in range(40)]

    def run(count: int, tag: str) -> tuple[int, int]:
        news = [make_mail(s.email, subject=f"{tag} {i}") for i, s in enumerate(senders[:count])]
        with CaptureQueriesContext(connection) as opened:
            results = batch.ingest_many(news, batch=count)
        assert {r.outcome for r in results} == {"created"}
        replies = [
            make_mail(s.email, subject=f"Re: {tag} {i}", body="thanks", in_reply_to=m.message_id)
            for i, (s, m) in enumerate(
                zip(senders[:count], InboundMessage.objects.order_by("-id")[:count][::-1], strict=True)
            )
        ]
        with CaptureQueriesContext(connection) as replied:
            results = batch.ingest_many(replies, batch=count)
        assert {r.outcome for r in results} == {"appended"}
        # replies take no turn in a rotation: concurrent batches of replies do not queue on it
        assert not any("teamrotation" in q["sql"] for q in replied.captured_queries)
        return len(opened), len(replied)

    small_open, small_reply = run(10, "small")
    # (Within SQLite's parameters per statement, which split a bigger batch's inserts.)
    big_open, big_reply = run(30, "big")
    assert big_open - small_open <= 30  # one loop-cap statement for each new case's notice
    assert big_reply == small_reply


def test_a_failure_while_writing_a_run_takes_its_messages_one_at_a_time(desk, monkeypatch):
    raws = [make_mail(desk["mpoc"].email, subject=f"Run {i}") for i in range(3)]
    real = batch._write

    def broken(plans):
        if len(plans) > 1:  # only together: each on its own goes through
            raise RuntimeError("disk full")
        return real(plans)

    monkeypatch.setattr(batch, "_write", broken)
    results = batch.ingest_many(raws)
    assert [r.outcome for r in results] == ["created"] * 3
    assert Case.objects.count() == 3
    assert [c.assignee for c in Case.objects.order_by("pk")] == [*desk["techs"], desk["techs"][0]]


def test_a_lone_message_costs_no_more_statements_than_it_did_on_its_own_path(desk):
    """A message on its own goes through the batch engine as a batch of one, and its
    look-ups are statements built once per process (`core.prepared`): 25 statements for
    the first new case (which makes the team's rotation row), 20 for the next, 14 for a
    reply, counted inside the test's transaction (the transactions they take are
    savepoints here); the single-message path this replaced took 32, 27 and 18."""
    mpoc = desk["mpoc"]
    with CaptureQueriesContext(connection) as first:
        opened = intake.ingest(make_mail(mpoc.email, subject="Trunk down", message_id=FIRST))
    with CaptureQueriesContext(connection) as replied:
        reply = intake.ingest(make_mail(mpoc.email, subject="Re: Trunk down", body="more", in_reply_to=FIRST))
    with CaptureQueriesContext(connection) as second:
        again = intake.ingest(make_mail(mpoc.email, subject="Second outage"))
    assert [opened.outcome, reply.outcome, again.outcome] == ["created", "appended", "created"]
    assert len(first) <= 25
    assert len(replied) <= 14
    assert len(second) <= 20
    for read in (
        lookups._LINKS,
        lookups._CONTACTS,
        routing._PLATFORMS,
        routing._ON_SHIFT,
        routing._ROTATIONS,
    ):
        assert read._statements and _NO_STATEMENT not in read._statements.values()


def test_a_batch_with_messages_stored_before_stores_only_the_new_ones(desk):
    done = make_mail(desk["mpoc"].email, subject="Stored and done")
    first = intake.ingest(done)
    news = [make_mail(desk["mpoc"].email, subject=f"New {i}") for i in range(2)]
    results = batch.ingest_many([news[0], done, news[1], news[0]])
    assert [r.outcome for r in results] == ["created", "duplicate", "created", "duplicate"]
    assert results[1].case == first.case and results[3].case == results[0].case
    assert InboundMessage.objects.count() == 3 and Case.objects.count() == 3


def test_a_parser_that_cannot_start_never_keeps_a_message_from_being_stored(desk, monkeypatch):
    from casedesk.mail import parsing
    from casedesk.mime.sandbox import Unavailable

    def unavailable(raw):
        raise Unavailable("no parser process")

    monkeypatch.setattr(parsing, "begin", unavailable)
    monkeypatch.setattr(parsing, "read_many", lambda raws: (_ for _ in ()).throw(Unavailable("no parser")))
    with pytest.raises(Unavailable):
        intake.ingest(make_mail(desk["mpoc"].email, subject="Stored whatever happens"))
    row = InboundMessage.objects.get()
    assert row.state == InboundMessage.State.PENDING and b"Stored whatever happens" in bytes(row.raw)


def test_each_batch_is_read_ahead_once_and_a_failed_read_ahead_loses_nothing(desk, monkeypatch):
    """The parser reads batch k+1 while batch k is written: every message is parsed once,
    in one call per batch; when the read ahead fails, the batch is read as it is taken."""
    from casedesk.mail import parsing

    raws, outcomes = _mixed(desk)
    calls: list[int] = []
    real = parsing.read_many

    def counted(many):
        calls.append(len(many))
        return real(many)

    monkeypatch.setattr(parsing, "read_many", counted)
    results = batch.ingest_many(raws, batch=5)
    assert [r.outcome for r in results] == outcomes
    assert len(raws) > 5
    expected = [1, 2] + [len(raws[i : i + 5]) for i in range(3, len(raws), 5)]
    assert calls == expected  # the batches, in order, and nothing read again while taken


def test_a_read_ahead_that_fails_is_done_again_as_the_batch_is_taken(desk, monkeypatch):
    from casedesk.mail import parsing

    raws, outcomes = _mixed(desk)
    real = parsing.read_many
    failed: list[int] = []

    def flaky(many):
        if not failed:
            failed.append(len(many))
            raise OSError("no parser could start")
        return real(many)

    monkeypatch.setattr(parsing, "read_many", flaky)
    results = batch.ingest_many(raws, batch=5)
    assert failed and [r.outcome for r in results] == outcomes


def test_groups_of_any_size_share_a_few_statements_compiled_once(desk, monkeypatch):
    """A list's length is rounded up to a bucket (`core.prepared.bucket`): once groups of
    3, 7 and 50 messages (new, then replies) have been taken, groups of 4, 6 and 60, whose
    lists fall in the same buckets, compile no statement of their own."""
    from casedesk.core.prepared import Prepared

    senders = [ContactFactory(organisation=desk["org"], is_secondary_mpoc=True) for _ in range(60)]
    compiled: list[object] = []
    real = Prepared._prepare

    def counting(self, shaped):
        compiled.append(self)
        return real(self, shaped)

    monkeypatch.setattr(Prepared, "_prepare", counting)

    def group(count: int, tag: str) -> None:
        news = [make_mail(s.email, subject=f"{tag} {i}") for i, s in enumerate(senders[:count])]
        assert {r.outcome for r in batch.ingest_many(news, batch=count)} == {"created"}
        stored = InboundMessage.objects.order_by("-id")[:count][::-1]
        replies = [
            make_mail(s.email, subject=f"Re: {tag} {i}", body="thanks", in_reply_to=m.message_id)
            for i, (s, m) in enumerate(zip(senders[:count], stored, strict=True))
        ]
        assert {r.outcome for r in batch.ingest_many(replies, batch=count)} == {"appended"}

    for count in (3, 7, 50):
        group(count, f"first {count}")
    assert compiled  # (the buckets' statements, unless an earlier test compiled them)
    compiled.clear()
    for count in (4, 6, 60):
        group(count, f"then {count}")
    assert compiled == []
