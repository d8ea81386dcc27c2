"""The delivery worker (`run_sweeps --loop`, a real process) killed with SIGKILL in the
middle of a large batch sent over several connections: after a restart every message has
arrived, and the repeats are only some of those the dead worker had sent and not yet marked."""

from __future__ import annotations

from collections import Counter

from casedesk.outbox import delivery
from tests.outbox.kill_harness import kill_mid_delivery

COUNT = 150
KILL_AT = 80


def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_at_most_the_unmarked(tmp_path):
    got = kill_mid_delivery(
        tmp_path,
        kill_at=KILL_AT,
        queue=(
            "delivery.save_many([delivery.build(kind='t', to=f'r{i}@example.com', subject=f'n{i}', text='x')"
            f" for i in range({COUNT})])\n"
        ),
    )
    assert got.received_before_restart == KILL_AT - 1
    assert got.sent == COUNT
    assert set(got.received_ids) == set(got.queued_ids)  # nothing lost
    counts = Counter(got.received_ids)
    repeated = [i for i, n in counts.items() if n > 1]
    assert all(n <= 2 for n in counts.values())
    assert len(repeated) <= delivery.UNMARKED, len(repeated)  # only those sent and not yet marked
