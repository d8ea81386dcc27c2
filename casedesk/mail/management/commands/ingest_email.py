"""Take messages from files or standard input (a mail server's pipe) into intake."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casedesk.mail import intake


class Command(BaseCommand):
    help = "Ingest e-mail messages (files, or - for standard input); prints one JSON line each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", default=["-"], help="message files, or - for stdin")
        parser.add_argument("--sender", default="", help="envelope sender, as the mail server gives it")
        parser.add_argument(
            "--recipient", action="append", default=[], help="envelope recipient (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"] or ["-"]
        if options["sender"] or options["recipient"] or "-" in paths:
            results = [
                intake.ingest(
                    sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes(),
                    source="cli",
                    envelope_from=options["sender"],
                    envelope_to=options["recipient"],
                )
                for path in paths
            ]
        else:
            results = intake.ingest_many([Path(path).read_bytes() for path in paths], source="cli")
        for result in results:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        if any(result.outcome == "pending" for result in results):
            # The messages are stored and will be retried by the sweep; a pipe-delivering
            # mail server need not deliver them again, so this is not a temporary failure.
            self.stderr.write("some messages failed to process; they are stored and will be retried")
