"""The listener's intake (`mail.stream`): acknowledged once stored, processed in groups."""

from __future__ import annotations

import pytest

from casedesk.cases.models import Case
from casedesk.mail import batch
from casedesk.mail.models import InboundMessage
from casedesk.mail.stream import Stream
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def groups(monkeypatch):
    taken: list[int] = []
    real = batch.take

    def spy(stored, *args, **kwargs):
        taken.append(len(stored))
        return real(stored, *args, **kwargs)

    monkeypatch.setattr(batch, "take", spy)
    return taken


def test_a_message_after_a_pause_is_processed_at_once(desk, groups):
    # Were it kept waiting for more, it would wait a minute.
    stream = Stream("smtp", gap=60, longest=60).start()
    try:
        ticket = stream.submit(make_mail(desk["mpoc"].email, subject="Alone"))
        assert ticket.done.result(timeout=30).outcome == "created"
    finally:
        stream.close()
    assert groups == [1] and Case.objects.get().title == "Alone"


def test_a_message_that_fails_in_a_group_is_retried_on_its_own(desk, groups, fail_on):
    fail_on("will fail")
    stream = Stream("smtp", gap=60, longest=60)
    subjects = ["first", "will fail", "third", "fourth"]
    # Handed over before the intake starts: stored together, then processed as one group.
    tickets = [stream.submit(make_mail(desk["mpoc"].email, subject=s)) for s in subjects]
    stream.start()
    try:
        outcomes = [ticket.done.result(timeout=30).outcome for ticket in tickets]
    finally:
        stream.close()
    assert groups[0] == 4
    assert outcomes == ["created", "pending", "created", "created"]
    rows = list(InboundMessage.objects.order_by("id"))
    assert [row.state for row in rows] == ["done", "pending", "done", "done"]
    assert "the database went away" in rows[1].last_error
    assert sorted(Case.objects.values_list("title", flat=True)) == ["first", "fourth", "third"]


def test_a_message_that_cannot_be_stored_is_refused_and_the_next_goes_on(desk, monkeypatch):
    from casedesk.mail import inbound

    real = inbound.store_many
    calls: list[int] = []

    def flaky(raws, **kwargs):
        calls.append(len(raws))
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        return real(raws, **kwargs)

    monkeypatch.setattr(inbound, "store_many", flaky)
    stream = Stream("smtp").start()
    try:
        lost = stream.submit(make_mail(desk["mpoc"].email, subject="Refused"))
        with pytest.raises(RuntimeError):
            lost.stored.result(timeout=30)  # the listener answers 451: the sender tries again
        kept = stream.submit(make_mail(desk["mpoc"].email, subject="Kept"))
        assert kept.done.result(timeout=30).outcome == "created"
    finally:
        stream.close()
    assert list(Case.objects.values_list("title", flat=True)) == ["Kept"]
