"""The delivery worker (`run_sweeps --loop`, a real process) killed with SIGKILL in the
middle of a large batch sent over several connections: after a restart every message has
arrived, and the repeats are only some of those the dead worker had sent and not yet marked."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

from aiosmtpd.controller import Controller

from casedesk.outbox import delivery
from tests.mail.smtp_sink import free_port
from tests.mail.test_delivery_kill import ROOT, run

COUNT = 150
KILL_AT = 80


class KillingSink:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pid = 0
        self.seen = 0
        self.killed = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.killed.is_set():
                return "451 try again later"
            self.seen += 1
            if self.seen == KILL_AT:
                os.kill(self.pid, signal.SIGKILL)
                self.killed.set()
                return "451 try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.ids.append(message["Message-ID"])
        return "250 OK"


def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_at_most_the_unmarked(tmp_path):
    sink = KillingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CASEDESK_VAR_DIR": str(tmp_path),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(controller.port),
            "CELERY_BROKER_URL": "",
        }
        run(env, "migrate", "-v0")
        run(
            env,
            "shell",
            "-c",
            "from casedesk.outbox import delivery\n"
            "delivery.save_many([delivery.build(kind='t', to=f'r{i}@example.com', subject=f'n{i}', text='x')"
            f" for i in range({COUNT})])\n",
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_sweeps", "--loop", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sink.pid = worker.pid
        assert sink.killed.wait(60), "the worker never reached the kill point"
        assert worker.wait(10) == -signal.SIGKILL
        before = len(sink.ids)
        with sink.lock:
            sink.killed.clear()
            sink.seen = -(10**9)  # no second kill
        out = run(
            env,
            "shell",
            "-c",
            "import json, time_machine\n"
            "from django.utils import timezone\n"
            "from casedesk.outbox import delivery\n"
            "from casedesk.outbox.models import OutboundMessage as O\n"
            "with time_machine.travel(timezone.now() + delivery.LEASE, tick=True):\n"
            "    delivery.deliver_due()\n"
            "sent = O.objects.filter(state='sent').count()\n"
            "print(json.dumps([sent, list(O.objects.values_list('message_id', flat=True))]))\n",
        ).stdout
        sent, ids = json.loads(out.strip().splitlines()[-1])
    finally:
        controller.stop()
    assert before == KILL_AT - 1
    assert sent == COUNT
    assert set(sink.ids) == set(ids)  # nothing lost
    repeated = [i for i, n in Counter(sink.ids).items() if n > 1]
    assert all(n <= 2 for n in Counter(sink.ids).values())
    assert len(repeated) <= delivery.UNMARKED, len(repeated)  # only those sent and not yet marked
