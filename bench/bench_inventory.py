"""Service inventory at scale: CSV import preview and apply, memory, the inventory page.

Run: .venv/bin/python bench/bench_inventory.py [--rows 10000,50000] [--database-url URL]

Uses its own PostgreSQL database (created when missing), migrates it and seeds the demo
organisations. For each size a child process (so its peak RSS is its own) empties Acme's
inventory, writes a CSV of that many rows (users, numbers, devices, licences, features in
the proportions of a real tenant), and runs the product's import: the preview (a background
task, run in-process here as embedded) and, after confirming, the apply; then a second
import of the same file with 5% of the rows edited (moves and price changes). Printed: the
seconds of each phase and the peak RSS (ru_maxrss) after it, against the process's RSS
before the first import. Then, with the largest inventory loaded, the portal's inventory
page as the MPOC dana@acme.example.com: 30 requests after warm-ups, median and p95 of the
server time and the SQL query count, first page, a deep page, one kind.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casedesk_inventory_bench"
MPOC_EMAIL = "dana@acme.example.com"
TARGET_SECONDS = 30.0
TARGET_PAGE_MS = 50.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(url: str) -> None:
    from bench_lists import ensure_database

    ensure_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("CONN_MAX_AGE", "600")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from casedesk.site import demo

    demo.seed()


def write_csv(path: Path, rows: int, edited: bool = False) -> None:
    """`rows` rows: a quarter users, a quarter numbers, a fifth devices, a quarter licences,
    the rest features; every number, device and licence assigned to a user."""
    from casedesk.inventory import csvio

    seats = rows // 4
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=csvio.header(), extrasaction="ignore")
        writer.writeheader()
        written = 0
        i = 0
        while written < rows:
            email = f"user{i % seats}@acme.example.com"
            site = f"Site {i % 40}"
            change = edited and i % 20 == 0
            kind = ("seat", "number", "device", "licence", "feature")[0 if i < seats else (i % 4) + 1]
            row = {"kind": kind, "site": site, "cost_centre": f"CC{i % 12}"}
            if kind == "seat":
                row.update(email=email, name=f"User {i}", extension=f"{1000 + i % 9000}")
            elif kind == "number":
                row.update(
                    number=f"+1303{200 + i // 10000}{i % 10000:04d}",
                    service_address=f"{i % 900 + 1} Main St, Denver CO"
                    if not change
                    else "5 New Rd, Boulder CO",
                    assigned_to=email,
                    monthly_price="1.50",
                )
                if change:
                    row["site"] = "Boulder"
            elif kind == "device":
                row.update(
                    model="Poly VVX 450",
                    mac=f"00:04:{i >> 24 & 255:02X}:{i >> 16 & 255:02X}:{i >> 8 & 255:02X}:{i & 255:02X}",
                    assigned_to=email,
                )
            elif kind == "licence":
                row.update(
                    platform="hosted-voice",
                    product=f"Voice seat {i}",
                    assigned_to=email,
                    monthly_price="18.00" if not change else "20.00",
                )
            else:
                row.update(feature_type="call_queue", name=f"Queue {i}", monthly_price="5.00")
            writer.writerow(row)
            written += 1
            i += 1


def child(url: str, rows: int) -> dict:
    setup(url)
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: F401 (loads upload machinery)
    from django.db import connection

    from casedesk.accounts.models import Organisation, User
    from casedesk.inventory import jobs
    from casedesk.inventory.models import ChargeEvent, ImportJob, ImportRow, Item, ItemEvent

    org = Organisation.objects.get(account_number="ACME-1001")
    mpoc = User.objects.get(email=MPOC_EMAIL)
    with connection.cursor() as cur:  # a fresh start for this size
        for model in (ImportRow, ImportJob, ItemEvent, ChargeEvent, Item):
            cur.execute(f"DELETE FROM {model._meta.db_table}")
    figures: dict = {"rows": rows, "rss_start_mb": round(rss_mb(), 1)}
    with tempfile.TemporaryDirectory() as tmp:
        for label, edited in (("first import", False), ("re-import, 5% edited", True)):
            path = Path(tmp) / "inventory.csv"
            write_csv(path, rows, edited)
            with path.open("rb") as f:
                started, c0 = time.perf_counter(), time.process_time()
                job = jobs.start_import(mpoc, org, _Upload(f, path.stat().st_size), source="portal")
            job.refresh_from_db()
            preview_s, preview_cpu = time.perf_counter() - started, time.process_time() - c0
            assert job.status == "previewed", job.message
            assert job.errors == 0, list(job.rows.exclude(error="").values_list("line", "error")[:5])
            rss_preview = rss_mb()
            started, c0 = time.perf_counter(), time.process_time()
            jobs.confirm_import(mpoc, job)
            job.refresh_from_db()
            apply_s, apply_cpu = time.perf_counter() - started, time.process_time() - c0
            assert job.status == "applied", job.message
            figures[label] = {
                "preview_s": round(preview_s, 2),
                "apply_s": round(apply_s, 2),
                "preview_cpu_s": round(preview_cpu, 2),
                "apply_cpu_s": round(apply_cpu, 2),
                "rss_after_preview_mb": round(rss_preview, 1),
                "rss_after_apply_mb": round(rss_mb(), 1),
                "counts": job.counts,
            }
    figures["items"] = Item.objects.filter(organisation=org).count()
    return figures


class _Upload:
    """An open file handed to the import as Django hands an upload (chunks, size, name)."""

    def __init__(self, f, size: int) -> None:
        self.f, self.size, self.name = f, size, "inventory.csv"

    def chunks(self, size: int = 1 << 16):
        while piece := self.f.read(size):
            yield piece


def page_timings(url: str) -> list[tuple[str, int, float, float]]:
    setup(url)
    from django.db import connection
    from django.test import Client

    from casedesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=MPOC_EMAIL))
    results = []
    for label, path in [
        ("first page", "/portal/inventory/"),
        ("page 400", "/portal/inventory/?page=400"),
        ("numbers only", "/portal/inventory/?kind=number"),
        ("numbers, page 100", "/portal/inventory/?kind=number&page=100"),
    ]:
        for _ in range(5):
            client.get(path)
        # Counted by a wrapper on the connection: a request's start clears the query log
        # that CaptureQueriesContext reads, so it would count nothing.
        statements: list[str] = []
        with connection.execute_wrapper(
            lambda run, sql, params, many, ctx, seen=statements: (
                seen.append(sql) or run(sql, params, many, ctx)
            )
        ):
            assert client.get(path).status_code == 200
        times, cpu = [], []
        for _ in range(30):
            started, c0 = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        results.append((label, len(statements), statistics.median(times), p95, statistics.median(cpu)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,50000")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--child", type=int, default=0)
    parser.add_argument("--pages", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.database_url, args.child)))
        return
    if args.pages:
        print(json.dumps(page_timings(args.database_url)))
        return
    sizes = [int(n) for n in args.rows.split(",")]
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    print(
        "| rows | phase | preview s (CPU) | apply s (CPU) | peak RSS after preview / apply (MB) "
        "| start RSS (MB) |"
    )
    print("|---:|---|---:|---:|---|---:|")
    for rows in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows), "--database-url", args.database_url],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        for label in ("first import", "re-import, 5% edited"):
            f = figures[label]
            print(
                f"| {rows:,} | {label} | {f['preview_s']} ({f['preview_cpu_s']}) "
                f"| {f['apply_s']} ({f['apply_cpu_s']}) | "
                f"{f['rss_after_preview_mb']} / {f['rss_after_apply_mb']} | {figures['rss_start_mb']} |"
            )
    out = subprocess.run(
        [sys.executable, __file__, "--pages", "--database-url", args.database_url],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    print(f"\nInventory page, {sizes[-1]:,} items (target median <= {TARGET_PAGE_MS:.0f} ms):")
    print("| page | queries | median ms | p95 ms | median CPU ms (this process) |\n|---|---:|---:|---:|---:|")
    for label, queries, median, p95, cpu in json.loads(out.stdout.strip().splitlines()[-1]):
        print(f"| {label} | {queries} | {median:.1f} | {p95:.1f} | {cpu:.1f} |")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
