"""The production shape, every part a real process: two web processes (gunicorn with uvicorn
workers), a Celery worker and Celery beat on Redis, the SMTP listener, on a PostgreSQL
database of its own; notices go to an SMTP sink.

One scenario through all of them: an e-mail in through the listener opens a case and its
acknowledgement goes out through the worker; a staff member logged in on one web process
replies on the other (the session is shared) and the notice goes out through the worker,
the request's id in the worker's log; an On Hold case is woken by a sweep that beat
fired. Then a batch of notices: the worker is killed with SIGKILL in the middle of it (the
sink kills its process group before answering the fifth message) and started again; every
notice of the batch arrives, each once, and the database agrees.

Waits poll real processes with deadlines (nothing here can move their clocks); the test
stays well under three minutes. Runs on PostgreSQL (`make test` with DATABASE_URL) and
needs Redis on 127.0.0.1:6379 (`.ci/run` starts it).
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import random
import re
import secrets
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests
from aiosmtpd.controller import Controller
from django.conf import settings

from casedesk.site.shape import ROOT, Shape, free_port

pytestmark = pytest.mark.distributed

REDIS = "redis://127.0.0.1:6379"
BATCH = 12
KILL_AT = 5
METRICS_TOKEN = secrets.token_urlsafe(24)
PASSWORD = "demo-pass-2026"


class Sink:
    """An SMTP server recording every message; armed, it kills the worker's process group
    on the KILL_AT-th batch message, before answering it (so that one is not delivered)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.kill_pgid = 0
        self.batch_seen = 0
        self.killed = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            if str(message["Subject"]).startswith("batch-"):
                self.batch_seen += 1
                if self.kill_pgid and self.batch_seen == KILL_AT and not self.killed.is_set():
                    os.killpg(self.kill_pgid, signal.SIGKILL)
                    self.killed.set()
                    return "451 try again later"
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def find(
        self, predicate: Callable[[email.message.EmailMessage], bool]
    ) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if predicate(m)]


def wait_for(what: str, probe: Callable[[], Any], shape: Shape, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        shape.check_alive()
        time.sleep(0.25)


@pytest.fixture
def database():
    """A database of its own (the processes commit for real), dropped afterwards."""
    base = settings.DATABASES["default"]
    name = f"casedesk_shape_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        host=base["HOST"] or "127.0.0.1", port=base["PORT"] or 5432, user=base["USER"],
        password=base["PASSWORD"] or None, dbname="postgres", autocommit=True,
    )  # fmt: skip
    admin.execute(f'CREATE DATABASE "{name}"')
    user = base["USER"] + (f":{base['PASSWORD']}" if base["PASSWORD"] else "")
    url = f"postgres://{user}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{name}"
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def redis_url():
    number = random.randint(1, 15)  # a database number of its own
    url = f"{REDIS}/{number}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed on 127.0.0.1:6379 for the distributed test: {exc}")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def login(session: requests.Session, base: str, who: str) -> None:
    page = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = session.post(
        f"{base}/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": who, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]


def test_the_distributed_shape_loses_nothing_and_doubles_nothing(tmp_path: Path, database, redis_url):
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's own chatter
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        CASEDESK_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        CASEDESK_MAIL_DNS="none",
        CASEDESK_SWEEP_INTERVAL="1",
        CASEDESK_OUTBOX_LEASE_SECONDS="10",
        CELERY_VISIBILITY_TIMEOUT="20",
        CASEDESK_METRICS_TOKEN=METRICS_TOKEN,
        LOG_FORMAT="json",
        CELERY_CONCURRENCY="2",
    )
    shape = Shape(
        env=env, logs=tmp_path / "logs", web_ports=[free_port(), free_port()], mail_port=free_port()
    )
    db = None
    try:
        shape.release()
        shell(shape.env, "from casedesk.site import demo; demo.seed()")
        shape.start_all()
        shape.wait_ready(timeout=120)
        db = psycopg.connect(database.replace("postgres://", "postgresql://"), autocommit=True)
        web1, web2 = shape.urls()

        # 1. An e-mail in through the SMTP listener opens a case; the acknowledgement goes
        #    out through the worker.
        subject = f"Hosted Voice phones down {secrets.token_hex(3)}"
        with smtplib.SMTP("127.0.0.1", shape.mail_port, timeout=30) as smtp:
            smtp.sendmail(
                "dana@acme.example.com",
                ["support@example.com"],
                f"From: dana@acme.example.com\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
                "Message-ID: <shape-1@acme.example.com>\r\n\r\nAll desk phones lost registration.\r\n",
            )
        case_id = wait_for(
            "the case from the e-mail",
            lambda: db.execute("SELECT id FROM cases_case WHERE title = %s", [subject]).fetchone(),
            shape,
        )[0]
        number = f"CS-{case_id:06d}"
        wait_for(
            "the acknowledgement",
            lambda: sink.find(lambda m: number in str(m["Subject"]) and "dana@" in str(m["To"])),
            shape,
        )

        # 2. Logged in on the first web process, a reply posted on the second.
        staff = requests.Session()
        # A manager: no second factor is owed, so the password alone signs in (an administrator
        # would be sent on to the code step first).
        login(staff, web1, "marcus@support.example.com")
        page = staff.get(f"{web2}/console/cases/{number}/", timeout=10)
        assert page.status_code == 200, "the session made on one web process works on the other"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        reply_text = f"We are on it {secrets.token_hex(3)}"
        answer = staff.post(
            f"{web2}/console/cases/{number}/comment/",
            data={"csrfmiddlewaretoken": token, "body": reply_text},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text[:500]
        request_id = answer.headers["X-Request-ID"]
        reply = wait_for(
            "the reply's notice",
            lambda: sink.find(lambda m: reply_text in m.get_body(("plain",)).get_content()),  # type: ignore[union-attr]
            shape,
        )
        assert len(reply) == 1 and "dana@acme.example.com" in str(reply[0]["To"])
        worker_log = (shape.logs / "worker.1.log").read_text()
        assert f'"request_id": "{request_id}"' in worker_log, "the task carries the request's id"

        # 3. A sweep fired by beat: an On Hold case wakes at its time.
        shell(
            shape.env,
            "from datetime import timedelta\n"
            "from casedesk.cases import actions\nfrom casedesk.cases.models import Case\n"
            "from casedesk.accounts.models import User\nfrom casedesk.core import clock\n"
            f"case = Case.objects.get(pk={case_id})\n"
            "actions.transition(case, to='on_hold', by=User.objects.get(email='admin@support.example.com'),"
            " note='waiting on the carrier', hold_until=clock.now() + timedelta(seconds=3))\n",
        )
        wait_for(
            "beat's wake-up sweep",
            lambda: (
                db.execute("SELECT status FROM cases_case WHERE id = %s", [case_id]).fetchone()[0]
                == "in_progress"
            ),
            shape,
        )
        woken = db.execute(
            "SELECT count(*) FROM cases_caseevent WHERE case_id = %s AND actor_kind = 'system' "
            "AND changes::text LIKE '%%on_hold%%in_progress%%'",
            [case_id],
        ).fetchone()[0]
        assert woken == 1

        # 4. A batch of notices; the worker killed with SIGKILL half-way; started again.
        worker = shape.procs["worker.1"]
        sink.kill_pgid = worker.pid
        shell(
            shape.env,
            "from django.db import transaction\nfrom casedesk.outbox import delivery\n"
            "with transaction.atomic():\n"
            "    delivery.save_many([delivery.build(kind='t', to=f'r{i}@example.net',"
            f" subject=f'batch-{{i}}', text='x') for i in range({BATCH})])\n",
        )
        assert sink.killed.wait(60), "the worker never reached the kill point"
        assert worker.wait(10) == -signal.SIGKILL
        assert len(sink.find(lambda m: str(m["Subject"]).startswith("batch-"))) == KILL_AT - 1
        shape.start_worker()
        wait_for(
            "the whole batch, after the restart",
            lambda: (
                db.execute(
                    "SELECT count(*) FROM mail_outboundmessage"
                    " WHERE subject LIKE 'batch-%%' AND state = 'sent'"
                ).fetchone()[0]
                == BATCH
            ),
            shape,
        )
        time.sleep(3)  # a few more beats and a redelivery window: nothing may arrive twice

        batch = sink.find(lambda m: str(m["Subject"]).startswith("batch-"))
        rows = db.execute(
            "SELECT message_id FROM mail_outboundmessage WHERE subject LIKE 'batch-%%'"
        ).fetchall()
        assert sorted(str(m["Message-ID"]) for m in batch) == sorted(r[0] for r in rows)  # all, each once
        everything = [str(m["Message-ID"]) for m in sink.find(lambda m: True)]
        assert len(everything) == len(set(everything)), "no message delivered twice"
        pending = db.execute("SELECT count(*) FROM mail_outboundmessage WHERE state <> 'sent'").fetchone()[0]
        assert pending == 0

        # Connections stay bounded: the web processes keep none between requests (ASGI), the
        # worker, beat and listener one each per process or thread.
        name = database.rsplit("/", 1)[1]
        held = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]
        assert held <= 12, f"{held} connections held"

        # Health and metrics of the shape.
        ready = requests.get(f"{web1}/readyz", timeout=10).json()
        assert ready["status"] == "ready" and ready["checks"]["broker"] == "ok"
        scrape = requests.get(
            f"{web2}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
        )
        assert scrape.status_code == 200
        assert 'route="console:comment"' in scrape.text
        assert 'casedesk_outbox_messages{state="failed"} 0.0' in scrape.text
        assert 'casedesk_intake_messages_total{outcome="created",state="done"}' in scrape.text
    except BaseException:
        print(shape.tail(lines=80))  # the logs of every process, on failure
        raise
    finally:
        if db is not None:
            db.close()
        shape.stop()
        controller.stop()
    print(json.dumps({"logs": str(shape.logs)}))
