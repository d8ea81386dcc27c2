"""The production shape on one machine, from the `Procfile`: web processes on their own
ports, a Celery worker, Celery beat and the SMTP listener, each in its own process group
with its log under one folder. `make prod-local` and the distributed test start it;
nothing here imports Django (it starts the processes that do).

    python -m casedesk.site.shape start   # release step, then every process; waits for /readyz
    python -m casedesk.site.shape stop    # SIGTERM to each group, SIGKILL after a grace period
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASH = "/bin/bash"  # Procfile lines are shell lines (${VAR:-default})
GRACE = 10.0  # seconds between SIGTERM and SIGKILL when stopping


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """Process kind -> command line."""
    lines: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, command = line.partition(":")
            lines[name.strip()] = command.strip()
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Shape:
    """The processes of one shape. `env` is what every process gets (DATABASE_URL,
    REDIS_URL, SECRET_KEY ...); the venv's bin comes first on the PATH."""

    env: dict[str, str]
    logs: Path
    web_ports: list[int]
    mail_port: int
    workers_per_web: int = 1
    lines: dict[str, str] = field(default_factory=procfile)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **self.env,
            "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', os.environ.get('PATH', ''))}",
            "CASEDESK_MAIL_LISTEN_PORT": str(self.mail_port),
            "PYTHONUNBUFFERED": "1",
        }

    def release(self) -> None:
        """The Procfile's release step (migrate, cache table, static files), once."""
        self._run_line("release", self.lines["release"], check=True)

    def _run_line(self, name: str, line: str, *, check: bool = False) -> int:
        with (self.logs / f"{name}.log").open("ab") as log:
            done = subprocess.run(  # noqa: S603 - our own Procfile, run as Procfile runners do
                [BASH, "-c", line],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if check and done.returncode:
            raise RuntimeError(f"{name} failed ({done.returncode}); see {self.logs / f'{name}.log'}")
        return done.returncode

    def start(self, name: str, kind: str, **extra: str) -> subprocess.Popen[bytes]:
        env = {**self.env, **extra}
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603
            [BASH, "-c", f"exec {self.lines[kind]}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a worker's pool children go with it
        )
        log.close()
        self.procs[name] = proc
        (self.logs / f"{name}.pid").write_text(str(proc.pid))
        return proc

    def start_web(self, index: int) -> None:
        port = self.web_ports[index]
        self.start(
            f"web.{index + 1}",
            "web",
            PORT=str(port),
            WEB_CONCURRENCY=str(self.workers_per_web),
            PROMETHEUS_MULTIPROC_DIR=str(self.logs / f"metrics-web.{index + 1}"),
        )

    def start_worker(self) -> None:
        self.start("worker.1", "worker")

    def start_all(self) -> None:
        for index in range(len(self.web_ports)):
            self.start_web(index)
        self.start_worker()
        self.start("beat.1", "beat")
        self.start("mail.1", "mail")

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Every web process answers /readyz with 200 and the listener takes connections."""
        deadline = time.monotonic() + timeout
        pending = [f"{url}/readyz" for url in self.urls()]
        while pending:
            self.check_alive()
            url = pending[0]
            try:
                status, _ = get(url)
            except OSError:
                status = 0
            if status == 200:
                pending.pop(0)
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not ready within {timeout:.0f} s")
            time.sleep(0.2)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.mail_port), timeout=1).close()
                return
            except OSError:
                self.check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the SMTP listener on {self.mail_port} not up") from None
                time.sleep(0.2)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.tail([name])}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (a Celery worker and its pool children)."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(GRACE)

    def stop(self) -> None:
        stop_groups([proc.pid for proc in self.procs.values()])
        for proc in self.procs.values():
            proc.wait(GRACE)
        self.procs.clear()

    def tail(self, names: Iterable[str] | None = None, lines: int = 60) -> str:
        out = []
        for log in sorted(self.logs.glob("*.log")):
            if names is None or log.stem in names:
                text = log.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {log.name} (last {len(text)} lines)\n" + "\n".join(text))
        return "\n".join(out)


def stop_groups(pids: Iterable[int], grace: float = GRACE) -> None:
    """SIGTERM to each process group, then SIGKILL to those still there after `grace`."""
    pids = list(pids)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    """`make prod-local` / `make prod-local-stop`: the shape on this machine, on ports from
    the environment (PROD_WEB_PORTS, PROD_MAIL_PORT), logs and pids under var/prod-local/."""
    logs = Path(os.environ.get("CASEDESK_VAR_DIR", ROOT / "var")) / "prod-local"
    if argv[:1] == ["stop"]:
        pids = [int(p.read_text()) for p in logs.glob("*.pid")]
        stop_groups(pids)
        for p in logs.glob("*.pid"):
            p.unlink()
        print(f"stopped {len(pids)} process groups")
        return 0
    if argv[:1] != ["start"]:
        print(__doc__)
        return 2
    if list(logs.glob("*.pid")):
        print(f"already running (pids in {logs}); `make prod-local-stop` first")
        return 1
    ports = [int(p) for p in os.environ.get("PROD_WEB_PORTS", "8001,8002").split(",")]
    shape = Shape(
        env=dict(os.environ),
        logs=logs,
        web_ports=ports,
        mail_port=int(os.environ.get("PROD_MAIL_PORT", "8026")),
        workers_per_web=int(os.environ.get("WEB_CONCURRENCY", "1")),
    )
    for log in logs.glob("*.log"):
        log.unlink()
    shape.release()
    shape.start_all()
    try:
        shape.wait_ready()
    except (TimeoutError, RuntimeError) as exc:
        print(f"{exc}\n{shape.tail()}")
        shape.stop()
        return 1
    _, body = get(f"{shape.urls()[0]}/readyz")
    print(
        json.dumps({"web": shape.urls(), "smtp": f"127.0.0.1:{shape.mail_port}", "readyz": json.loads(body)})
    )
    print(f"logs: {logs}/*.log; stop with `make prod-local-stop`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
