"""Two web processes on Redis: a chat message sent through one reaches the technician
connected to the other, and the answer comes back the same way. Real uvicorn processes on
loopback ports, the PostgreSQL test database and a Redis database number of their own."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime

import pytest
import redis
import requests
import time_machine
import websockets
from django.conf import settings
from django.test import Client

from casedesk.chat import actions
from casedesk.rules.calendar import DENVER
from casedesk.rules.chat import Identity
from casedesk.site.shape import ROOT, free_port
from tests.factories import StaffFactory

pytestmark = [pytest.mark.distributed, pytest.mark.django_db(transaction=True)]


def start(port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-sweeps",
            "--no-mail",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"port {port} did not come up")


async def frame(ws, kind: str, **match) -> dict:
    while True:
        data = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if data["type"] == kind and all(data.get(k) == v for k, v in match.items()):
            return data


@pytest.fixture
def redis_url():
    number = random.randint(1, 15)
    url = f"redis://127.0.0.1:6379/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def test_message_via_one_process_reaches_a_technician_on_the_other(redis_url):
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",
        "SECRET_KEY": settings.SECRET_KEY,
        "CASEDESK_MAIL_DNS": "none",
    }
    tech = StaffFactory(first_name="Theo", last_name="Tran")
    client = Client()
    client.force_login(tech)
    session = client.cookies["sessionid"].value
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True):
        chat = actions.start_chat(
            identity=Identity.VISITOR, name="Ann", email="ann@example.com", organisation="Acme"
        )
    actions.accept(chat, by=tech)

    port_a, port_b = free_port(), free_port()
    procs = [start(port_a, env), start(port_b, env)]
    try:
        for port, proc in zip((port_a, port_b), procs, strict=True):
            wait_up(port, proc)

        async def scenario() -> tuple[dict, dict]:
            async with (
                websockets.connect(
                    f"ws://127.0.0.1:{port_a}/ws/chat/", origin=f"http://127.0.0.1:{port_a}"
                ) as visitor,
                websockets.connect(
                    f"ws://127.0.0.1:{port_b}/ws/console/",
                    origin=f"http://127.0.0.1:{port_b}",
                    additional_headers={"Cookie": f"sessionid={session}"},
                ) as console,
            ):
                await frame(visitor, "hours")
                await frame(console, "hello")
                await console.send(json.dumps({"type": "watch", "chat": chat.pk, "after": 0}))
                await frame(console, "state")
                await visitor.send(
                    json.dumps({"type": "resume", "chat": chat.pk, "token": chat.token, "after": 0})
                )
                await frame(visitor, "state")
                await visitor.send(
                    json.dumps({"type": "send", "key": "two-proc-1", "body": "Hello from process A"})
                )
                ack = await frame(visitor, "ack", key="two-proc-1")
                got = await frame(console, "message", id=ack["id"])
                await console.send(
                    json.dumps(
                        {"type": "send", "chat": chat.pk, "key": "two-proc-2", "body": "Hello back from B"}
                    )
                )
                back = await frame(visitor, "message", key="two-proc-2")
                return got, back

        got, back = asyncio.run(scenario())
        assert got["body"] == "Hello from process A" and got["side"] == "customer"
        assert back["body"] == "Hello back from B" and back["author"] == "Theo Tran"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
