"""The case pages on a loaded database, read only: queries, server time and CPU time of
in-process requests (the console's as theo, the portal's as the case's contact).

Run: .venv/bin/python bench/bench_case_page.py [--url postgres://.../casedesk_side] [--runs 50]

The case is the one bench_side.py measures (the newest In-Progress case of a team of
theo's). The connection is opened read only and sessions are signed cookies, so the run
writes nothing to the database it reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ["CASEDESK_STAFF_2FA_REQUIRED"] = "0"
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ALLOWED_HOSTS = ["*"]


def measure(client, url: str, runs: int, warmups: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        assert client.get(url).status_code == 200
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return {
        "queries": len(captured.captured_queries),
        "median ms": statistics.median(wall),
        "p95 ms": sorted(wall)[int(0.95 * (len(wall) - 1))],
        "cpu median ms": statistics.median(cpu),
        "sql ms": sum(float(q["time"]) for q in captured.captured_queries) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/casedesk_side")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    args = parser.parse_args()
    setup(args.url)
    from django.contrib.auth.signals import user_logged_in
    from django.test import Client

    # Signing in writes (the last login, the sign-in record); the pages measured do not.
    user_logged_in.receivers = []

    from casedesk.accounts.models import User
    from casedesk.cases.models import Case

    theo = User.objects.get(email="theo@support.example.com")
    case = Case.objects.filter(status="in_progress", team__members=theo, id__gt=0).order_by("-id").first()
    assert case is not None
    pages = [("console, theo", theo, f"/console/cases/{case.number}/")]
    if case.contact.user_id:
        pages.append(("portal, the contact", case.contact.user, f"/portal/cases/{case.number}/"))
    print(f"{case.number}: {case.events.count()} entries, organisation {case.organisation}")
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        row = measure(client, url, args.runs, args.warmups)
        print(f"  {label:<22} " + "  ".join(f"{k} {v:.1f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
