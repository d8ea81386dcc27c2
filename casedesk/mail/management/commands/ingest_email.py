"""Take messages from files, folders or standard input (a mail server's pipe) into intake."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casedesk.mail import intake
from casedesk.mail.batch import ingest_many

BATCH = 100


def message_files(paths: list[str]) -> Iterator[Path]:
    """Each path as given; a folder stands for the files in it (for a Maildir, those in its
    new/ and cur/), in name order."""
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            yield path
            continue
        folders = [path / "new", path / "cur"] if (path / "new").is_dir() else [path]
        for folder in folders:
            yield from sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


class Command(BaseCommand):
    help = (
        "Ingest e-mail messages (files, folders such as a Maildir, or - for standard input); "
        "prints one JSON line each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", default=["-"], help="files or folders, or - for stdin")
        parser.add_argument("--sender", default="", help="envelope sender, as the mail server gives it")
        parser.add_argument(
            "--recipient", action="append", default=[], help="envelope recipient (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"] or ["-"]
        envelope = (options["sender"], options["recipient"])
        pending = False
        if paths == ["-"]:
            raw = sys.stdin.buffer.read()
            pending = self._report(ingest_many([raw], source="cli", envelopes=[envelope]))
        else:
            if "-" in paths:
                raise CommandError("Read either standard input (-) or files, not both.")
            batch: list[bytes] = []
            for path in message_files(paths):
                try:
                    batch.append(path.read_bytes())
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror or exc}") from None
                if len(batch) == BATCH:
                    pending |= self._ingest(batch, envelope)
                    batch = []
            if batch:
                pending |= self._ingest(batch, envelope)
        if pending:
            # The messages are stored and will be retried by the sweep; a pipe-delivering
            # mail server need not deliver them again, so this is not a temporary failure.
            self.stderr.write("some messages failed to process; they are stored and will be retried")

    def _ingest(self, raws: list[bytes], envelope: tuple[str, list[str]]) -> bool:
        results = ingest_many(raws, source="cli", batch=BATCH, envelopes=[envelope] * len(raws))
        return self._report(results)

    def _report(self, results: list[intake.Result]) -> bool:
        for result in results:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        return any(result.outcome == "pending" for result in results)
