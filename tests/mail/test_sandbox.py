"""Parsing in a process of its own: the review's messages come back refused within the
worker's time and memory limits; a parser that is killed, runs out of memory, hangs or
crashes costs only its own message, and the next one in the same batch is read."""

from __future__ import annotations

import io
import os
import pickle
import select
import threading

import pytest

from casedesk.mime import sandbox
from casedesk.mime.limits import Unparseable
from casedesk.mime.parse import ParsedMessage
from tests.mail import hostile
from tests.mail.mailgen import make_mail

MEMORY = 512 * 1024 * 1024
SECONDS = 5.0


@pytest.fixture
def box():
    made = sandbox.Sandbox(seconds=SECONDS, memory=MEMORY)
    yield made
    made.close()


@pytest.fixture
def misbehaving():
    boxes: list[sandbox.Sandbox] = []

    def make(seconds: float = SECONDS) -> sandbox.Sandbox:
        boxes.append(sandbox.Sandbox(seconds=seconds, memory=MEMORY, entry="tests.mail.hostile_worker"))
        return boxes[-1]

    yield make
    for made in boxes:
        made.close()


def _worker_limits(box: sandbox.Sandbox) -> str:
    (worker,) = box._idle
    with open(f"/proc/{worker.process.pid}/limits") as limits:
        return next(line for line in limits if line.startswith("Max address space"))


def _normal() -> bytes:
    return make_mail("dana@acme.example.com", subject="Phones down again")


@pytest.mark.parametrize(("name", "make", "reason"), hostile.REVIEWED + hostile.EACH_LIMIT)
def test_each_hostile_message_is_refused_within_the_workers_limits(box, name, make, reason):
    # Refused by the limits, not stopped: it took less than the worker's 5 s, within its
    # 512 MiB of address space; and the next message is read by the same worker.
    hostile_result, next_result = box.parse_many([make(), _normal()])
    assert isinstance(hostile_result, Unparseable) and not isinstance(hostile_result, sandbox.ParserStopped)
    assert reason in str(hostile_result)
    assert isinstance(next_result, ParsedMessage) and next_result.subject == "Phones down again"
    assert _worker_limits(box).split()[3:5] == [str(MEMORY), str(MEMORY)]


@pytest.mark.parametrize(
    ("marker", "stopped", "reason"),
    [
        ("kill", True, "killed (SIGKILL"),
        ("crash", True, "crashed (SIGSEGV)"),
        ("hog", False, "ran out of memory (limit 512 MiB)"),
    ],
)
def test_a_parser_that_dies_costs_only_its_own_message(misbehaving, marker, stopped, reason):
    box = misbehaving()
    first, bad, after = box.parse_many([_normal(), hostile.marked(marker), _normal()])
    assert isinstance(first, ParsedMessage) and isinstance(after, ParsedMessage)
    assert isinstance(bad, Unparseable) and reason in str(bad)
    assert isinstance(bad, sandbox.ParserStopped) is stopped


def test_a_parser_that_hangs_is_stopped_at_its_time_limit(misbehaving):
    box = misbehaving(seconds=1)
    bad, after = box.parse_many([hostile.marked("hang"), _normal()])
    assert isinstance(bad, sandbox.ParserStopped) and "longer than 1 s" in str(bad)
    assert isinstance(after, ParsedMessage)


def test_workers_are_kept_between_calls_and_one_per_thread_at_a_time(box):
    box.parse(_normal())
    (worker,) = box._idle
    box.parse(_normal())
    assert box._idle == [worker] and worker.alive()
    barrier = threading.Barrier(2)
    pids: set[int] = set()

    def read() -> None:
        barrier.wait()
        found = box._checkout() or box._start()
        pids.add(found.process.pid)
        barrier.wait()
        box._checkin(found)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pids) == 2 and len(box._idle) == 2


def test_a_worker_that_cannot_start_is_the_machines_fault_not_the_messages():
    box = sandbox.Sandbox(seconds=SECONDS, memory=MEMORY, entry="casedesk.mime.no_such_module")
    with pytest.raises(sandbox.Unavailable):
        box.parse_many([_normal()])


def test_answers_may_hold_only_the_parses_plain_values():
    evil = pickle.dumps(("parsed", os.system))
    with pytest.raises(pickle.UnpicklingError, match="is not a value a parse returns"):
        sandbox._Answers(io.BytesIO(evil)).load()


def test_a_message_handed_over_ahead_is_read_while_the_caller_works(box):
    pending = box.begin(_normal())
    assert pending is not None
    found = pending.result()
    assert isinstance(found, ParsedMessage) and found.subject == "Phones down again"
    assert len(box._idle) == 1  # the worker is kept for the next message
    with pytest.raises(RuntimeError):
        pending.result()


def test_a_message_too_big_to_hand_over_ahead_is_read_the_usual_way(box):
    big = make_mail("dana@acme.example.com", subject="Logs", body="x" * sandbox.AHEAD_BYTES)
    assert box.begin(big) is None
    assert isinstance(box.parse(big), ParsedMessage)


def test_an_answer_given_up_on_stops_its_worker(box):
    pending = box.begin(_normal())
    assert pending is not None
    worker = pending.worker
    pending.close()
    assert worker is not None and not worker.alive() and box._idle == []
    pending.close()  # twice is nothing


def test_a_message_handed_over_ahead_keeps_its_time_limit(misbehaving):
    box = misbehaving(seconds=1)
    pending = box.begin(hostile.marked("hang"))
    assert pending is not None
    found = pending.result()
    assert isinstance(found, sandbox.ParserStopped) and "longer than 1 s" in str(found)
    assert isinstance(box.parse(_normal()), ParsedMessage)


def test_an_answer_ready_past_the_deadline_still_counts(box):
    """The caller was busy past the time limit (storing the message); the worker answered
    in time, so its answer is taken, not counted as an overrun."""
    pending = box.begin(_normal())
    assert pending is not None and pending.worker is not None
    assert select.select([pending.worker.stdout], [], [], SECONDS)[0]  # it has answered
    pending.sent_at -= 10 * SECONDS
    assert isinstance(pending.result(), ParsedMessage)


def test_a_batch_is_read_by_two_workers_in_order_and_a_dead_one_is_replaced(misbehaving):
    box = misbehaving()
    raws = [make_mail("dana@acme.example.com", subject=f"Batch {i}") for i in range(10)]
    raws[3] = hostile.marked("kill")
    found = box.parse_many(raws)
    assert isinstance(found[3], sandbox.ParserStopped) and "killed" in str(found[3])
    assert [f.subject for i, f in enumerate(found) if i != 3] == [f"Batch {i}" for i in range(10) if i != 3]
    assert len(box._idle) == sandbox.PARALLEL and all(w.alive() for w in box._idle)


def test_a_hanging_message_in_a_batch_read_in_parallel_is_stopped_at_its_limit(misbehaving):
    box = misbehaving(seconds=1)
    raws = [_normal() for _ in range(sandbox.PARALLEL_FROM)]
    raws[0] = hostile.marked("hang")
    found = box.parse_many(raws)
    assert isinstance(found[0], sandbox.ParserStopped) and "longer than 1 s" in str(found[0])
    assert all(isinstance(f, ParsedMessage) for f in found[1:])


def test_messages_queued_behind_ones_that_stop_their_workers_are_all_read(misbehaving):
    """Each worker of a parallel read holds several messages ahead; those behind one that
    kills or exhausts it go to the next worker, and each stopped message is only its own."""
    box = misbehaving()
    raws = [make_mail("dana@acme.example.com", subject=f"Queued {i}") for i in range(24)]
    bad = {1: "kill", 2: "kill", 9: "hog", 10: "crash", 23: "kill"}
    for index, marker in bad.items():
        raws[index] = hostile.marked(marker)
    found = box.parse_many(raws)
    assert all(isinstance(found[i], Unparseable) for i in bad)
    assert [f.subject for i, f in enumerate(found) if i not in bad] == [
        f"Queued {i}" for i in range(24) if i not in bad
    ]
    # Whoever is left idle is fit for more; a lane whose worker stopped with nothing left to
    # hand it is not given a new one (which lane ends so depends on timing, so no count).
    assert len(box._idle) <= sandbox.PARALLEL and all(w.alive() for w in box._idle)
