"""casedesk side of bench_mail.py: run in its own process against a fresh SQLite file.

Usage: mail_casedesk.py MESSAGES_DIR [batch|one]  (with DATABASE_URL and CASEDESK_VAR_DIR set)
`batch` (the default) ingests each folder as `ingest_email FILE...` and the IMAP poller do;
`one` hands one message at a time to the SMTP/LMTP listener's intake (`mail.stream`), each
only once the one before is stored and acknowledged, as one SMTP connection sends them,
timed until all are processed; `sync` calls `intake.ingest` for each (stored and processed
before it returns).
Prints one JSON object: seconds spent ingesting, messages, outcomes, and the SQL statements
sent per new message and per reply (by every thread).
"""

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from bench_mail import SEED  # noqa: E402
from django.db.backends import utils  # noqa: E402

from casedesk.mail import intake  # noqa: E402
from casedesk.mail.batch import ingest_many  # noqa: E402
from casedesk.mail.stream import Stream  # noqa: E402

exec(SEED)  # noqa: S102 - our own fixed text
# As the SMTP listener and the IMAP poller do when they start (not timed: start-up).
intake.warm_up()

folder = Path(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "batch"
batches = [sorted((folder / name).glob("*.eml")) for name in ("new", "replies")]
outcomes: Counter[str] = Counter()
statements: dict[str, float] = {}
counted = [0]


real_execute = utils.CursorWrapper._execute_with_wrappers


def count(self, sql, params, many, executor):  # type: ignore[no-untyped-def]
    counted[0] += 1  # by whichever thread sends it (the listener's intake has its own)
    return real_execute(self, sql, params, many, executor)


utils.CursorWrapper._execute_with_wrappers = count  # type: ignore[method-assign]
stream = Stream("smtp").start(recover=False) if mode == "one" else None


def one_by_one(raws: list[bytes]) -> list[intake.Result]:
    assert stream is not None
    tickets = []
    for raw in raws:
        ticket = stream.submit(raw, "", ["support@example.com"])
        ticket.stored.result()  # the 250: the sender sends the next only then
        tickets.append(ticket)
    return [ticket.done.result() for ticket in tickets]


elapsed = 0.0
for name, batch in zip(("new", "replies"), batches, strict=True):
    raws = [p.read_bytes() for p in batch]
    counted[0] = 0
    started = time.perf_counter()
    if mode == "one":
        results = one_by_one(raws)
    elif mode == "sync":
        results = [intake.ingest(raw, source="smtp") for raw in raws]
    else:
        results = ingest_many(raws, source="cli")
    elapsed += time.perf_counter() - started
    for result in results:
        outcomes[result.outcome] += 1
    # Statements sent (transaction control included, commits not), per message.
    statements[name] = counted[0] / max(1, len(raws))
groups = stream.groups if stream is not None else 0
if stream is not None:
    stream.close()
print(
    json.dumps(
        {
            "seconds": elapsed,
            "messages": sum(outcomes.values()),
            "outcomes": dict(outcomes),
            "statements": statements,
            "groups": groups,
        }
    )
)
