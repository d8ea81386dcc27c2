"""casedesk side of bench_mail.py: run in its own process against a fresh SQLite file.

Usage: mail_casedesk.py MESSAGES_DIR [batch|one]  (with DATABASE_URL and CASEDESK_VAR_DIR set)
`batch` (the default) ingests each folder as `ingest_email FILE...` and the IMAP poller do;
`one` takes one message at a time, as the SMTP/LMTP listener does.
Prints one JSON object: seconds spent ingesting, messages, outcomes, and the SQL statements
sent per new message and per reply.
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
from django.db import connection  # noqa: E402

from casedesk.mail import intake  # noqa: E402
from casedesk.mail.batch import ingest_many  # noqa: E402

exec(SEED)  # noqa: S102 - our own fixed text
# As the SMTP listener and the IMAP poller do when they start (not timed: start-up).
intake.warm_up()

folder = Path(sys.argv[1])
one_at_a_time = len(sys.argv) > 2 and sys.argv[2] == "one"
batches = [sorted((folder / name).glob("*.eml")) for name in ("new", "replies")]
outcomes: Counter[str] = Counter()
statements: dict[str, float] = {}
counted = [0]


def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    counted[0] += 1
    return execute(sql, params, many, context)


elapsed = 0.0
for name, batch in zip(("new", "replies"), batches, strict=True):
    raws = [p.read_bytes() for p in batch]
    counted[0] = 0
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        if one_at_a_time:
            results = [intake.ingest(raw, source="smtp") for raw in raws]
        else:
            results = ingest_many(raws, source="cli")
        elapsed += time.perf_counter() - started
    for result in results:
        outcomes[result.outcome] += 1
    # Statements sent (transaction control included, commits not), per message.
    statements[name] = counted[0] / max(1, len(raws))
print(
    json.dumps(
        {
            "seconds": elapsed,
            "messages": sum(outcomes.values()),
            "outcomes": dict(outcomes),
            "statements": statements,
        }
    )
)
