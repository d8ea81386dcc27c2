"""Throughput of business-calendar arithmetic on the standard calendar (Mon-Fri 08:00-17:00 MT).

Run: .venv/bin/python bench/bench_calendar.py [--ops N]

Starts are spread over two years, durations up to two business days: the SLA clocks of a
busy desk. The timeline is warmed first, since a running process builds it once.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

# Run as a script from anywhere: the project root holds the casedesk package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casedesk.rules.calendar import DENVER, BusinessCalendar, standard


def _inputs(n: int, seed: int) -> list[tuple[datetime, timedelta, datetime]]:
    rng = random.Random(seed)
    origin = datetime(2026, 1, 1, tzinfo=DENVER)
    span_minutes = 2 * 365 * 24 * 60
    out = []
    for _ in range(n):
        start = origin + timedelta(minutes=rng.randrange(span_minutes))
        duration = timedelta(minutes=rng.randrange(1, 2 * 9 * 60 + 1))
        end = start + timedelta(minutes=rng.randrange(1, 4 * 24 * 60))
        out.append((start, duration, end))
    return out


def _rate(label: str, n: int, seconds: float) -> float:
    rate = n / seconds
    print(f"{label:<8} {rate:>12,.0f} ops/s  ({seconds * 1e6 / n:.2f} µs/op, {n:,} ops)")
    return rate


def run(calendar: BusinessCalendar, n: int, seed: int = 7) -> dict[str, float]:
    cases = _inputs(n, seed)
    add, measure = calendar.add, calendar.measure
    for start, duration, end in cases[:1000]:
        add(start, duration)
        measure(start, end)

    t0 = time.perf_counter()
    for start, duration, _ in cases:
        add(start, duration)
    add_rate = _rate("add", n, time.perf_counter() - t0)

    t0 = time.perf_counter()
    for start, _, end in cases:
        measure(start, end)
    measure_rate = _rate("measure", n, time.perf_counter() - t0)

    long = timedelta(hours=30 * 9)
    t0 = time.perf_counter()
    for start, _, _ in cases[: n // 10]:
        add(start, long)
    _rate("add 30d", n // 10, time.perf_counter() - t0)
    return {"add": add_rate, "measure": measure_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=200_000)
    args = parser.parse_args()
    run(standard(), args.ops)


if __name__ == "__main__":
    main()
