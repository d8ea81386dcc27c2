"""Live chat over loopback WebSockets on one web process: the latency of a message from a
customer to the technician, p50 and p99, with 200 concurrent chats; then more and more
chats until p99 passes 250 ms.

Run: .venv/bin/python bench/bench_chat.py [--database-url URL] [--chats 200]
     [--messages 10] [--interval 5] [--ladder 400,800,1200,1600]

One `manage.py serve` process (uvicorn, the in-memory channel layer, as `make run` serves)
on PostgreSQL. Chats are started and accepted through the actions beforehand; each customer
is a visitor resuming its chat by token, each technician a console connection watching ten
chats. Every customer sends a message every `--interval` seconds (5 s: someone typing
without pause; jittered, so the sends are not in step); a message's latency runs from the
customer's send to the frame reaching the technician, which includes storing it (one
transaction: its row lock, the rate-limit count, the insert) and the broadcast after commit.
The server's errors go to var/bench_chat_server.log. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_TECHNICIAN = 10
TARGET_P99_MS = 100.0
LIMIT_P99_MS = 250.0


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-chat-" + "k" * 50)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def make_chats(n: int) -> tuple[list[Any], list[tuple[str, list[int]]]]:
    """n accepted chats, and per technician its session cookie and chat ids."""
    import time_machine
    from django.test import Client

    from casedesk.accounts.models import User
    from casedesk.chat import actions
    from casedesk.rules.calendar import DENVER
    from casedesk.rules.chat import Identity

    stamp = f"{time.time_ns():x}"
    techs = []
    for i in range((n + PER_TECHNICIAN - 1) // PER_TECHNICIAN):
        user = User.objects.create_user(
            username=f"bench-{stamp}-{i}", email=f"bench-{stamp}-{i}@support.example.com", password=None,
            is_staff=True, staff_role=User.StaffRole.TECHNICIAN, first_name="Bench", last_name=str(i),
        )  # fmt: skip
        client = Client()
        client.force_login(user)
        techs.append((user, client.cookies["sessionid"].value, []))
    chats = []
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True):
        for i in range(n):
            chat = actions.start_chat(
                identity=Identity.VISITOR,
                name=f"Visitor {i}",
                email=f"v{i}@example.com",
                organisation="Bench",
            )
            user, _, ids = techs[i // PER_TECHNICIAN]
            actions.accept(chat, by=user)
            ids.append(chat.pk)
            chats.append(chat)
    return chats, [(cookie, ids) for _, cookie, ids in techs]


def start_server(port: int, url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "CASEDESK_STAFF_2FA_REQUIRED": "false",
        "CASEDESK_CHAT_MESSAGES_PER_MINUTE": "100000",
        "CASEDESK_MAIL_DNS": "none",
    }
    with open(ROOT / "var" / "bench_chat_server.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--no-sweeps", "--no-mail"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


async def run_step(
    port: int, chats: list[Any], techs: list[tuple[str, list[int]]], messages: int, interval: float
) -> list[float]:
    import websockets

    base = f"ws://127.0.0.1:{port}"
    origin = f"http://127.0.0.1:{port}"
    sent: dict[str, float] = {}
    latencies: list[float] = []
    expected = len(chats) * messages
    done = asyncio.Event()

    async def technician(cookie: str, ids: list[int]) -> None:
        try:
            await watch(cookie, ids)
        except Exception as exc:
            failures.append(repr(exc))
            ready.release()

    async def watch(cookie: str, ids: list[int]) -> None:
        async with websockets.connect(
            f"{base}/ws/console/", origin=origin, additional_headers={"Cookie": f"sessionid={cookie}"},
            max_queue=None, open_timeout=60,
        ) as ws:  # fmt: skip
            for chat_id in ids:
                await ws.send(json.dumps({"type": "watch", "chat": chat_id, "after": 10**12}))
            watching = 0
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "state":
                    watching += 1
                    if watching == len(ids):  # in every chat's group: nothing can pass it by
                        ready.release()
                if frame.get("type") == "message" and frame.get("side") == "customer":
                    t0 = sent.pop(frame["key"], None)
                    if t0 is not None:
                        latencies.append((time.perf_counter() - t0) * 1000)
                        if len(latencies) >= expected:
                            done.set()
                if done.is_set():
                    return

    async def customer(chat: Any) -> None:
        async with websockets.connect(
            f"{base}/ws/chat/", origin=origin, max_queue=None, open_timeout=60
        ) as ws:
            await ws.send(
                json.dumps({"type": "resume", "chat": chat.pk, "token": chat.token, "after": 10**12})
            )
            while json.loads(await ws.recv()).get("type") != "state":
                pass
            resumed.release()
            await go.wait()
            rng = random.Random(chat.pk)
            await asyncio.sleep(interval * rng.random())
            for i in range(messages):
                key = f"b{chat.pk}-{i}-{time.time_ns()}"
                sent[key] = time.perf_counter()
                await ws.send(
                    json.dumps({"type": "send", "key": key, "body": f"message {i} of chat {chat.pk}"})
                )
                await asyncio.sleep(interval * (0.8 + 0.4 * rng.random()))
            await done.wait()

    failures: list[str] = []
    errors: list[str] = []
    ready = asyncio.Semaphore(0)
    resumed = asyncio.Semaphore(0)
    go = asyncio.Event()
    tasks = [asyncio.create_task(technician(cookie, ids)) for cookie, ids in techs]
    for _ in techs:
        await ready.acquire()
    if failures:
        raise SystemExit(f"{len(failures)} technicians could not connect: {failures[0]}")
    tasks += [asyncio.create_task(customer(chat)) for chat in chats]
    for _ in chats:  # every customer connected and resumed before the first message
        await asyncio.wait_for(resumed.acquire(), 120)
    go.set()
    try:
        await asyncio.wait_for(done.wait(), timeout=messages * interval * 2 + 60)
    except TimeoutError:
        print(f"  only {len(latencies)} of {expected} messages arrived in time")
    if errors:
        print(f"  {len(errors)} refusals, e.g. {errors[0]}")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/casedesk_bench_chat")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--ladder", default="400,800,1200,1600")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one customer's messages")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from casedesk.site.shape import free_port

    steps = [args.chats] + [n for n in (int(x) for x in args.ladder.split(",") if x) if n > args.chats]
    cores = os.cpu_count()
    print(f"one uvicorn process, in-memory channel layer, PostgreSQL; {cores} cores shared with the clients")
    print(f"each customer sends {args.messages} messages, one every {args.interval:g} s (jittered)")
    print(f"{'chats':>6} {'messages':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    held = 0
    for n in steps:
        chats, techs = make_chats(n)
        port = free_port()
        server = start_server(port, args.database_url)
        try:
            latencies = asyncio.run(run_step(port, chats, techs, args.messages, args.interval))
        finally:
            server.terminate()
            server.wait(10)
        if not latencies:
            print(f"{n:>6} no messages arrived")
            break
        p50, p99 = statistics.median(latencies), percentile(latencies, 99)
        print(f"{n:>6} {len(latencies):>9} {p50:>8.1f} {p99:>8.1f} {max(latencies):>8.1f}")
        if n == args.chats:
            verdict = "met" if p99 < TARGET_P99_MS else "missed"
            print(f"  goal p99 < {TARGET_P99_MS:.0f} ms at {n} chats: {verdict}")
        if p99 > LIMIT_P99_MS:
            print(f"  p99 passes {LIMIT_P99_MS:.0f} ms at {n} chats; held {held} with p99 under it")
            break
        held = n
    else:
        print(f"  p99 stayed under {LIMIT_P99_MS:.0f} ms up to {held} chats (the largest step tried)")


if __name__ == "__main__":
    main()
