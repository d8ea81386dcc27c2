"""E-mail intake over SMTP: the same 1,000 messages as bench_mail.py, sent to the
`mail_listener` command (its own process, a fresh SQLite file) over one connection and
then over several at once, as a mail server delivering a burst would. Times from the
first MAIL FROM to the last 250 (new messages first, then the replies to them).

    .venv/bin/python bench/bench_listener.py [--messages 1000] [--connections 8]
"""

from __future__ import annotations

import argparse
import smtplib
import socket
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


def run(folder: Path, work: Path, connections: int) -> tuple[int, float]:
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
        for name in ("new", "replies"):
            messages = sorted((folder / name).glob("*.eml"))
            seconds += send_all(port, messages, connections)
            count += len(messages)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return count, seconds


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
        count, seconds = run(folder, work, connections)
        rate = count / seconds
        print(f"SMTP, {connections} connection(s): {count} messages in {seconds:.2f} s: {rate:,.0f} msg/s")


if __name__ == "__main__":
    main()
