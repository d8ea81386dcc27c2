"""A real delivery worker (`run_sweeps --loop`, its own process) killed with SIGKILL by the
SMTP server it sends to, at the `kill_at`-th message, then delivery run again once the
dead worker's lease has run out (the clock moved on, not slept)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.mail.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]


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


class KillingSink:
    """Accepts messages; on the `kill_at`-th it kills the worker before answering 250, so
    the worker dies with that message unacknowledged (and so not delivered). Whatever the
    dying worker's other connections still send is refused (451) until `disarm`."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.ids: list[str] = []
        self.pid = 0
        self.seen = 0
        self.killed = threading.Event()
        self.lock = threading.Lock()

    def disarm(self) -> None:
        with self.lock:
            self.killed.clear()
            self.seen = -(10**9)  # no second kill

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.killed.is_set():
                return "451 try again later"
            self.seen += 1
            if self.seen == self.kill_at:
                os.kill(self.pid, signal.SIGKILL)
                self.killed.set()
                return "451 try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.ids.append(message["Message-ID"])
        return "250 OK"


@dataclass
class Outcome:
    received_before_restart: int
    sent: int  # rows marked sent in the end
    queued_ids: list[str]  # the Message-ID of every row queued
    received_ids: list[str]  # the Message-ID of every message the server accepted


def kill_mid_delivery(tmp_path: Path, *, kill_at: int, queue: str) -> Outcome:
    """Queue with the shell code `queue` (`delivery` imported), start the worker, let the
    sink kill it, then deliver again after the lease."""
    sink = KillingSink(kill_at)
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
        run(env, "shell", "-c", f"from casedesk.outbox import delivery\n{queue}")
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
        sink.disarm()
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
    return Outcome(before, sent, ids, list(sink.ids))
