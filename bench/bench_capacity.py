"""Capacity of the production shape on this machine: what one web process (one uvicorn
worker under gunicorn) and one Celery worker handle, and what a second of each adds.

Run: .venv/bin/python bench/bench_capacity.py [--seconds 20] [--users 4,8,16,32]

Starts the shape from the Procfile (`casedesk.site.shape`) on a PostgreSQL database of its
own (CAPACITY_DATABASE_URL, default casedesk_capacity, migrated and given the demo data) and
Redis database 14, on free loopback ports, and stops it at the end whatever happens.

1. Web: locust headless (bench/locustfile.py, the mixed workload, no think time) for a
   fixed time at each concurrency, against one web process, then two, then (to compare)
   one gunicorn sync worker on the WSGI app; prints requests/s, median and p95 per run and
   the best rate with p95 under 200 ms.
2. Worker: 2,000 notices queued in one transaction, delivered into an SMTP sink by one
   worker process (concurrency 1, then 2): notices/s from commit to the last one sent; and
   1,000 small tasks (a sweep with nothing to do) sent at once: tasks/s.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from casedesk.site.shape import Shape, free_port, get  # noqa: E402

PY = sys.executable
REDIS_URL = "redis://127.0.0.1:6379/14"
DATABASE_URL = os.environ.get("CAPACITY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casedesk_capacity")
P95_TARGET_MS = 200.0
PORTS: dict[str, str] = {}  # web process name -> its address
WARMUP = 20.0  # seconds a run has for logins and first pages (not counted) before its counted time


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def ensure_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def group_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and their children: the cost of the work
    whatever else the machine runs, so requests per CPU-second hold on a busy machine too."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                # With the children each has reaped: a worker recycled mid-run (gunicorn's
                # max_requests) takes its CPU with it otherwise.
                total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def locust(
    hosts: list[str], users: int, seconds: int, token: str, out: Path, pids: list[int]
) -> dict[str, Any]:
    result = out / f"locust-{len(hosts)}-{users}.json"
    env = {
        **os.environ,
        "CAPACITY_HOSTS": ",".join(hosts),
        "CAPACITY_API_TOKEN": token,
        "CAPACITY_OUT": str(result),
        "CAPACITY_USERS": str(users),
    }
    runner = subprocess.Popen(
        [
            str(Path(PY).parent / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds + WARMUP:.0f}s",
            "--host", hosts[0], "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    ready = Path(f"{result}.ready")
    ready.unlink(missing_ok=True)
    # The CPU of the counted window only (from every user's first page on: logins hash passwords).
    wait_until(lambda: ready.exists() or runner.poll() is not None, WARMUP + 60)
    cpu_before = group_cpu(pids)
    runner.wait(timeout=seconds + WARMUP + 60)
    cpu = group_cpu(pids) - cpu_before
    data = json.loads(result.read_text())
    every = [t for times in data["samples"].values() for t in times]
    return {
        "per_cpu_second": len(every) / cpu if cpu else 0.0,
        "users": users,
        "rps": len(every) / data["seconds"],
        "median": percentile(every, 0.5),
        "p95": percentile(every, 0.95),
        "failures": data["count"],
        "requests": len(every),
        "routes": {n: (percentile(t, 0.5), percentile(t, 0.95)) for n, t in data["samples"].items()},
    }


def web_runs(
    shape: Shape, label: str, names: list[str], users: list[int], seconds: int, token: str
) -> list[dict[str, Any]]:
    """`names`: the web processes (`web.1` ...) the users are spread over."""
    hosts = [PORTS[name] for name in names]
    pids = [shape.procs[name].pid for name in names]
    results = []
    for n in users:
        result = locust(hosts, n, seconds, token, shape.logs, pids)
        results.append(result)
        print(
            f"  {label}, {n:>3} users: {result['rps']:7.1f} req/s, median "
            f"{result['median']:.0f} ms, p95 {result['p95']:.0f} ms, {result['failures']} failures "
            f"of {result['requests']}; {result['per_cpu_second']:.0f} requests per CPU-second of the web"
            " process(es)",
            flush=True,
        )
    return results


def ready(url: str) -> bool:
    try:
        return get(f"{url}/readyz")[0] == 200
    except OSError:
        return False


def wait_until(probe: Any, timeout: float) -> float:
    started = time.monotonic()
    while not probe():
        if time.monotonic() - started > timeout:
            raise TimeoutError
        time.sleep(0.05)
    return time.monotonic() - started


def worker_runs(shape: Shape, sink: Sink, db: psycopg.Connection, concurrency: int) -> dict[str, float]:
    shape.kill("worker.1")
    shape.start("worker.1", "worker", CELERY_CONCURRENCY=str(concurrency))
    queue = redis.Redis.from_url(REDIS_URL)
    time.sleep(3)  # the worker connects
    n = 2000
    before = sink.count
    tag = secrets.token_hex(3)
    cpu_before = group_cpu([shape.procs["worker.1"].pid])
    started = time.monotonic()
    manage(
        shape.env,
        "shell",
        "-c",
        "from django.db import transaction\nfrom casedesk.outbox import delivery\n"
        "with transaction.atomic():\n"
        f"    delivery.save_many([delivery.build(kind='bench', to=f'r{{i}}@example.net', subject='cap-{tag}',"
        f" text='x' * 800) for i in range({n})])\n",
    )
    committed = time.monotonic()
    wait_until(lambda: sink.count - before >= n, 600)
    notices = n / (time.monotonic() - committed)
    notice_cpu = (group_cpu([shape.procs["worker.1"].pid]) - cpu_before) / n
    # Small tasks: a sweep with nothing to do (one indexed query), sent all at once.
    m = 1000
    manage(
        shape.env,
        "shell",
        "-c",
        "from config.celery import app\n"
        f"for _ in range({m}): app.send_task('casedesk.sweep', args=['password_resets'])",
    )
    sent = time.monotonic()
    cpu_before = group_cpu([shape.procs["worker.1"].pid])
    wait_until(lambda: queue.llen("celery") == 0 and queue.hlen("unacked") == 0, 600)
    small = m / (time.monotonic() - sent)
    task_cpu = (group_cpu([shape.procs["worker.1"].pid]) - cpu_before) / m
    print(
        f"  1 worker, concurrency {concurrency}: {notices:6.0f} notices/s "
        f"(queued in {committed - started:.1f} s; {notice_cpu * 1000:.1f} ms of worker CPU each), "
        f"{small:6.0f} small tasks/s ({task_cpu * 1000:.1f} ms of worker CPU each)",
        flush=True,
    )
    return {"concurrency": concurrency, "notices": notices, "tasks": small, "notice_cpu": notice_cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--users", default="4,8,16,32")
    parser.add_argument("--parts", default="web,worker", help="web, worker or both (comma-separated)")
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]

    ensure_database()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        CASEDESK_MAIL_DNS="none",
        LOG_FORMAT="json",
        CELERY_CONCURRENCY="1",
    )
    logs = ROOT / "var" / "bench-capacity"
    shape = Shape(env=env, logs=logs, web_ports=[free_port(), free_port()], mail_port=free_port())
    for old in logs.glob("*.log"):
        old.unlink()
    try:
        shape.release()
        manage(shape.env, "seed_demo")
        token = manage(shape.env, "api_token", "marcus@support.example.com").strip().splitlines()[-1]
        shape.start_all()
        shape.wait_ready(90)
        db = psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True)
        cases = db.execute("SELECT count(*) FROM cases_case").fetchone()[0]
        if "web" in args.parts:
            run_web(shape, args, users, token, cases)
        if "worker" in args.parts:
            print("Worker (notices into a local SMTP sink; small tasks):")
            for concurrency in (1, 2):
                worker_runs(shape, sink, db, concurrency)
        db.close()
    except BaseException:
        print(shape.tail(lines=40))
        raise
    finally:
        shape.stop()
        controller.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()


def run_web(shape: Shape, args: Any, users: list[int], token: str, cases: int) -> None:
    print(
        f"Web (mixed workload, about {args.seconds} s counted a run once all users are in, {cases} cases,"
        f" worker and beat running; load average before: {os.getloadavg()[0]:.1f}):"
    )
    PORTS.update({"web.1": shape.urls()[0], "web.2": shape.urls()[1]})
    one = web_runs(shape, "1 web process (ASGI)", ["web.1"], users, args.seconds, token)
    two = web_runs(shape, "2 web processes (ASGI)", ["web.1", "web.2"], users, args.seconds, token)
    # For comparison: the same pages through WSGI, one gunicorn sync worker.
    shape.lines["web-wsgi"] = (
        "gunicorn config.wsgi:application --config config/gunicorn.py --worker-class sync"
    )
    port = free_port()
    shape.start("web-wsgi.1", "web-wsgi", PORT=str(port), WEB_CONCURRENCY="1")
    wait_until(lambda: ready(f"http://127.0.0.1:{port}"), 60)
    PORTS["web-wsgi.1"] = f"http://127.0.0.1:{port}"
    wsgi = web_runs(shape, "1 web process (WSGI)", ["web-wsgi.1"], users, args.seconds, token)
    shape.kill("web-wsgi.1", signal.SIGTERM)
    runs_by = (("one web process (ASGI)", one), ("two web processes (ASGI)", two), ("one (WSGI)", wsgi))
    for label, runs in runs_by:
        fit = [r for r in runs if r["p95"] < P95_TARGET_MS and not r["failures"]]
        best = max(fit, key=lambda r: r["rps"]) if fit else None
        print(
            f"  {label}: best under p95 {P95_TARGET_MS:.0f} ms: "
            + (
                f"{best['rps']:.0f} req/s at {best['users']} users (p95 {best['p95']:.0f} ms)"
                if best
                else "none"
            )
        )
    print("  per route at the best one-process run (median / p95 ms):")
    fit = [r for r in one if r["p95"] < P95_TARGET_MS] or one
    for name, (median, p95) in sorted(max(fit, key=lambda r: r["rps"])["routes"].items()):
        print(f"    {name:<22} {median:5.0f} / {p95:5.0f}")


if __name__ == "__main__":
    main()
