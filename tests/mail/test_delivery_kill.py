"""The delivery worker (`run_sweeps --loop`, a real process) killed with SIGKILL in the
middle of a batch: after a restart every notification arrives exactly once."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.mail.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
COUNT = 12
KILL_AT = 5


class KillingSink:
    """Accepts messages; on the KILL_AT-th it kills the worker before answering 250, so
    the worker dies with that message unacknowledged (and so not delivered)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pid = 0
        self.seen = 0
        self.killed = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            if self.seen == KILL_AT and not self.killed.is_set():
                os.kill(self.pid, signal.SIGKILL)
                self.killed.set()
                return "451 try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.ids.append(message["Message-ID"])
        return "250 OK"


def run(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kw,
    )


def test_a_killed_worker_leaves_nothing_lost_and_nothing_twice(tmp_path):
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
            f"for i in range({COUNT}):\n"
            "    delivery.enqueue(kind='t', to=f'r{i}@example.com', subject=f'n{i}', text='x')\n",
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
        assert len(sink.ids) == KILL_AT - 1
        # Restart once the dead worker's lease has run out (the clock moved on, not slept).
        out = run(
            env,
            "shell",
            "-c",
            "import time_machine, json\n"
            "from django.utils import timezone\n"
            "from casedesk.outbox import delivery\n"
            "from casedesk.outbox.models import OutboundMessage as O\n"
            "with time_machine.travel(timezone.now() + delivery.LEASE, tick=True):\n"
            "    delivery.deliver_due()\n"
            "sent = O.objects.filter(state='sent').count()\n"
            "print(json.dumps([sent, list(O.objects.values_list('message_id', flat=True))]))\n",
        ).stdout
        sent, ids = __import__("json").loads(out.strip().splitlines()[-1])
    finally:
        controller.stop()
    assert sent == COUNT
    assert sorted(sink.ids) == sorted(ids)  # every one, each once
