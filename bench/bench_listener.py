"""E-mail intake over SMTP: the same 1,000 messages as bench_mail.py, sent to the
`mail_listener` command (its own process, a fresh SQLite file) over one connection and
then over several at once, as a mail server delivering a burst would. Times from the
first MAIL FROM to the last 250 (new messages first, then the replies to them), and to the
moment the last of them is processed (the listener answers once a message is stored).

    .venv/bin/python bench/bench_listener.py [--messages 1000] [--connections 8]
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_mail import SEED, casedesk_env, write_messages

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_all(port: int, messages: list[Path], connections: int) -> float:
    chunks = [messages[i::connections] for i in range(connections)]

    def send(chunk: list[Path]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            client.ehlo("client.example.net")
            for path in chunk:
                raw = path.read_bytes()
                client.mail("c0@bench.example.com")
                client.rcpt("support@example.com")
                code, reply = client.data(raw)
                if code != 250:
                    raise RuntimeError(f"{path.name}: {code} {reply!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, chunks))
    return time.perf_counter() - started


def wait_processed(database: Path, count: int, timeout: float = 600.0) -> None:
    """Until `count` stored messages are no longer pending (read-only, every 20 ms)."""
    deadline = time.monotonic() + timeout
    done = 0
    query = "SELECT count(*) FROM mail_inboundmessage WHERE state <> 'pending'"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        while time.monotonic() < deadline:
            (done,) = db.execute(query).fetchone()
            if done >= count:
                return
            time.sleep(0.02)
    raise RuntimeError(f"only {done} of {count} messages processed in {timeout:.0f} s")


def run(folder: Path, work: Path, connections: int) -> tuple[int, float, float]:
    env = casedesk_env(work, "listener")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "shell", "-c", SEED], env=env, check=True)
    port = free_port()
    server = subprocess.Popen([*manage, "mail_listener", "--port", str(port)], env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        seconds = 0.0
        count = 0
        started = time.perf_counter()
        for name in ("new", "replies"):
            messages = sorted((folder / name).glob("*.eml"))
            seconds += send_all(port, messages, connections)
            count += len(messages)
        wait_processed(work / "listener.sqlite3", count)
        processed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return count, seconds, processed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    work = ROOT / "var" / "bench-listener"
    work.mkdir(parents=True, exist_ok=True)
    folder = work / "messages"
    write_messages(folder, args.messages)
    for connections in (1, args.connections):
        count, seconds, processed = run(folder, work, connections)
        print(
            f"SMTP, {connections} connection(s): {count} messages answered in {seconds:.2f} s "
            f"({count / seconds:,.0f} msg/s), all processed in {processed:.2f} s "
            f"({count / processed:,.0f} msg/s)"
        )


if __name__ == "__main__":
    main()
