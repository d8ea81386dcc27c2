"""The delivery worker (`run_sweeps --loop`, a real process) killed with SIGKILL in the
middle of a batch: after a restart every notification arrives exactly once."""

from __future__ import annotations

from tests.outbox.kill_harness import kill_mid_delivery

COUNT = 12
KILL_AT = 5


def test_a_killed_worker_leaves_nothing_lost_and_nothing_twice(tmp_path):
    got = kill_mid_delivery(
        tmp_path,
        kill_at=KILL_AT,
        queue=(
            f"for i in range({COUNT}):\n"
            "    delivery.enqueue(kind='t', to=f'r{i}@example.com', subject=f'n{i}', text='x')\n"
        ),
    )
    assert got.received_before_restart == KILL_AT - 1
    assert got.sent == COUNT
    assert sorted(got.received_ids) == sorted(got.queued_ids)  # every one, each once
