"""Status page under load, and fan-out of one update to 10,000 subscribers.

Run: .venv/bin/python bench/bench_status.py   (installs nginx and wrk with apt-get if missing)

1. Seeds a database (var/bench-status.sqlite3) with platforms, an incident and maintenance.
2. Exports the static copy, serves it with nginx on 127.0.0.1, and runs gunicorn (2 sync
   workers) with the production settings; wrk measures, in the same run:
   (a) nginx serving the exported /status/index.html,
   (b) a minimal Django view returning the same bytes on the same gunicorn,
   (c) /status/ itself.
3. Fans one update out to 10,000 subscribers and delivers it into a local SMTP server
   (`--fan-out` runs only this, on a fresh seed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = ROOT / "var" / "bench-status.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ["BENCH_STATUS_VIEW"] = "1"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
PY = str(ROOT / ".venv" / "bin" / "python")


def need(binary: str, package: str) -> None:
    if shutil.which(binary) is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True)


def seed() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    DB.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    from datetime import date
    from datetime import time as t

    from casedesk.accounts.models import Platform, User
    from casedesk.rules import schedule
    from casedesk.status import maintenance, masters

    staff = User.objects.create_user(
        username="bench", email="bench@example.com", password="x", is_staff=True, staff_role="manager"
    )
    platforms = [Platform.objects.create(code=f"p{n}", name=f"Platform {n}") for n in range(8)]
    master = masters.create_master(
        by=staff, title="Calls dropping", body="Investigating.", platforms=platforms[:2]
    )
    for n in range(5):
        masters.post_update(master, by=staff, body=f"Update {n}: still working on it.", state="identified")
    maintenance.create_window(
        by=None, kind="monthly", title="Monthly scheduled maintenance", platforms=platforms,
        description="Patches.", justification="Security.", rrule=schedule.MONTHLY_THIRD_FRIDAY,
        first_day=date(2025, 1, 1), start_time=t(22), end_time=t(4),
    )  # fmt: skip


def wrk(url: str, seconds: int = 10) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def load_test() -> dict[str, float]:
    need("nginx", "nginx")
    need("wrk", "wrk")
    static = Path(tempfile.mkdtemp(prefix="status-static-"))
    subprocess.run([PY, "manage.py", "export_status", str(static)], cwd=ROOT, check=True, env=os.environ)
    conf = static / "nginx.conf"
    conf.write_text(
        f"daemon off; worker_processes 2; pid {static}/nginx.pid; error_log {static}/error.log;\n"
        "events { worker_connections 1024; }\n"
        "http { access_log off; default_type text/html; sendfile on;\n"
        f"  server {{ listen 127.0.0.1:8089; root {static}; index index.html; }} }}\n"
    )
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(static)])
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", "127.0.0.1:8088",
         "--log-level", "warning", "bench.status_wsgi:application"],
        cwd=ROOT, env=os.environ,
    )  # fmt: skip
    try:
        time.sleep(2.5)
        subprocess.run(["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:8088/status/"], check=True)
        results = {
            "nginx static export": wrk("http://127.0.0.1:8089/status/"),
            "minimal Django view, same bytes": wrk("http://127.0.0.1:8088/bench/same-bytes/"),
            "/status/ (gunicorn, 2 workers)": wrk("http://127.0.0.1:8088/status/"),
        }
    finally:
        gunicorn.terminate()
        nginx.terminate()
        gunicorn.wait()
        nginx.wait()
    return results


def fan_out(n: int = 10_000) -> dict[str, float]:
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from casedesk.accounts.models import Platform, User
    from casedesk.cases.models import Case
    from casedesk.outbox import delivery
    from casedesk.outbox.models import OutboundMessage
    from casedesk.status import masters
    from casedesk.status.models import Subscription
    from tests.mail.smtp_sink import free_port

    OutboundMessage.objects.all().delete()
    platform = Platform.objects.get(code="p0")
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(email=f"sub{i}@example.net", platform=platform, created_at=now, confirmed_at=now)
            for i in range(n)
        ],
        batch_size=2000,
    )
    staff = User.objects.get(email="bench@example.com")
    master = Case.objects.filter(priority="P1G").first()
    # A local SMTP server in its own process (aiosmtpd, accepting and discarding).
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        started, cpu = time.perf_counter(), time.process_time()
        masters.post_update(master, by=staff, body="Fix deployed.", state="monitoring")
        enqueued, enqueue_cpu = time.perf_counter(), time.process_time()
        while delivery.deliver_due(limit=500)["sent"]:
            pass
        done, done_cpu = time.perf_counter(), time.process_time()
    finally:
        server.terminate()
        server.wait()
    received = OutboundMessage.objects.filter(
        kind="status_incident", state="sent", to__endswith="@example.net"
    ).count()
    return {
        "subscribers": n,
        "received": received,
        "enqueue seconds": round(enqueued - started, 2),
        "delivery seconds": round(done - enqueued, 2),
        "messages/s (delivery)": round(received / (done - enqueued), 1),
        "messages/s (end to end)": round(received / (done - started), 1),
        # The sender's own CPU (all its threads; the server's process apart): steadier than wall time.
        "enqueue CPU seconds": round(enqueue_cpu - cpu, 2),
        "delivery CPU seconds": round(done_cpu - enqueue_cpu, 2),
    }


if __name__ == "__main__":
    seed()
    if "--fan-out" not in sys.argv:
        for name, rate in load_test().items():
            print(f"{name:40s} {rate:10.0f} req/s")
    for key, value in fan_out().items():
        print(f"{key:40s} {value}")
