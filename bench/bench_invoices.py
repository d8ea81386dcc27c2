"""The monthly invoice run at scale: organisations x lines, time and peak memory.

Run: .venv/bin/python bench/bench_invoices.py [--orgs 1000,10000] [--lines 50] [--workers 2]
     [--database-url URL]

Uses its own PostgreSQL database (created when missing) and migrates it. For each size it
empties the billing and inventory tables, seeds that many organisations, each with a
financial contact and `--lines` priced licences over three sites and two cost centres, then
runs the product's run (`billing.run.run`: every invoice drafted, finalized with its number,
its PDF rendered and stored, its e-mail queued) in `--workers` child processes, each taking
its share of the organisations (by key), so each process's peak RSS (ru_maxrss) is its own.
Printed per size: seconds, organisations and lines per second, each worker's CPU seconds,
peak RSS and its RSS before the run. Memory is flat when the peak does not grow with the organisations.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casedesk_billing_bench"
PERIOD = "2026-11"
TARGET_SECONDS = 300.0  # 10,000 organisations x 50 lines on 2 cores


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(url: str) -> None:
    from bench_lists import ensure_database

    ensure_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("CELERY_BROKER_URL", "")
    import django

    django.setup()


def seed(orgs: int, lines: int) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from casedesk.accounts.models import Contact, Organisation
    from casedesk.inventory.models import Item

    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE billing_invoiceline, billing_invoicemail, billing_dispute_lines, billing_dispute,"
            " billing_creditnote, billing_adjustment, billing_invoice, billing_run, mail_outboundmessage,"
            " inventory_item RESTART IDENTITY CASCADE"
        )
        cur.execute("UPDATE billing_numberseries SET next_number = 1")
    Contact.objects.filter(organisation__account_number__startswith="BENCH-").delete()
    Organisation.objects.filter(account_number__startswith="BENCH-").delete()
    now = timezone.now() - timedelta(days=60)
    started = time.perf_counter()
    batch = 500
    for start in range(0, orgs, batch):
        made = Organisation.objects.bulk_create(
            Organisation(name=f"Bench org {i:05d}", account_number=f"BENCH-{i:05d}")
            for i in range(start, min(orgs, start + batch))
        )
        Contact.objects.bulk_create(
            Contact(
                organisation=o,
                name="Accounts",
                email=f"ap@{o.account_number.lower()}.example.com",
                is_financial_contact=True,
            )
            for o in made
        )
        Item.objects.bulk_create(
            (
                Item(
                    organisation=o,
                    kind="licence",
                    key=f"teams/Teams Phone/user{n}@example.com",
                    platform="teams",
                    product="Teams Phone",
                    quantity=1 + n % 3,
                    monthly_price=Decimal("12.50") + n % 7,
                    site=("Denver HQ", "Boulder", "Remote")[n % 3],
                    cost_centre=("CC-100", "CC-200")[n % 2],
                    created_at=now,
                    updated_at=now,
                )
                for o in made
                for n in range(lines)
            ),
            batch_size=5000,
        )
    print(
        f"  seeded {orgs:,} organisations x {lines} lines in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def worker(url: str, index: int, workers: int) -> None:
    """One share of the run (organisations whose key is `index` modulo `workers`)."""
    setup(url)
    from casedesk.billing import run

    before = rss_mb()
    original = run.organisation_ids

    def share(chunk: int = run.CHUNK):
        for ids in original(chunk):
            yield [i for i in ids if i % workers == index]

    run.organisation_ids = share  # type: ignore[assignment]
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    summary = run.run(PERIOD, source="bench")
    print(
        json.dumps(
            {
                "worker": index,
                "seconds": time.perf_counter() - started,
                "organisations": summary.organisations,
                "finalized": summary.finalized,
                "failures": len(summary.failures),
                "rss_before_mb": before,
                "peak_rss_mb": rss_mb(),
                # CPU of this process alone: on a shared machine the wall time also counts
                # other programs' turns.
                "cpu_seconds": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu_before,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", default="1000,10000")
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.database_url, args.worker, args.workers)
        return
    setup(args.database_url)
    for orgs in [int(x) for x in args.orgs.split(",")]:
        print(f"{orgs:,} organisations x {args.lines} lines, {args.workers} worker(s):", flush=True)
        seed(orgs, args.lines)
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    str(i),
                    "--workers",
                    str(args.workers),
                    "--database-url",
                    args.database_url,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(args.workers)
        ]
        results = []
        for proc in procs:
            out, _ = proc.communicate()
            results.append(json.loads(out.strip().splitlines()[-1]))
        seconds = time.perf_counter() - started
        done = sum(r["finalized"] for r in results)
        print(
            f"  run: {seconds:.1f} s, {done:,} invoices ({done / seconds:.0f}/s, "
            f"{done * args.lines / seconds:,.0f} lines/s), failures {sum(r['failures'] for r in results)}"
        )
        for r in results:
            print(
                f"  worker {r['worker']}: {r['organisations']:,} organisations in {r['seconds']:.1f} s "
                f"({r['cpu_seconds']:.1f} s CPU), RSS {r['rss_before_mb']:.0f} MB before, "
                f"peak {r['peak_rss_mb']:.0f} MB"
            )
        if orgs >= 10_000:
            verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
            print(f"  target: at most {TARGET_SECONDS:.0f} s on 2 cores: {verdict}")


if __name__ == "__main__":
    main()
