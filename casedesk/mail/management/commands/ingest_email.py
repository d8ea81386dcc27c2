"""Take messages from files, folders or standard input (a mail server's pipe) into intake."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casedesk.mail import intake
from casedesk.mail.batch import ingest_many

BATCH = 100
BATCH_BYTES = 64 * 1024 * 1024  # a batch is sent in before it holds more than this


def read_message(stream: BinaryIO, limit: int) -> bytes | None:
    """The stream's bytes, or None as soon as they pass `limit`: an oversized message is
    never read whole, let alone stored."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(1024 * 1024, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def too_large(limit: int) -> intake.Result:
    return intake.Result("refused", None, f"The message is over the {limit:,} byte limit; it was not stored.")


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
        limit = settings.CASEDESK_MAIL_MAX_BYTES
        if paths == ["-"]:
            raw = read_message(sys.stdin.buffer, limit)
            if raw is None:
                self._report([too_large(limit)])
                # EX_DATAERR: the delivering mail server bounces it rather than retrying.
                raise CommandError("the message is over the size limit", returncode=65)
            pending = self._report(ingest_many([raw], source="cli", envelopes=[envelope]))
        else:
            if "-" in paths:
                raise CommandError("Read either standard input (-) or files, not both.")
            pending = False
            batch: list[bytes | intake.Result] = []  # a message, or the answer for a file refused unread
            held = 0
            for path in message_files(paths):
                try:
                    with path.open("rb") as stream:
                        raw = read_message(stream, limit)
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror or exc}") from None
                batch.append(too_large(limit) if raw is None else raw)
                held += len(raw or b"")
                if len(batch) == BATCH or held > BATCH_BYTES:
                    pending |= self._ingest(batch, envelope)
                    batch, held = [], 0
            if batch:
                pending |= self._ingest(batch, envelope)
        if pending:
            # The messages are stored and will be retried by the sweep; a pipe-delivering
            # mail server need not deliver them again, so this is not a temporary failure.
            self.stderr.write("some messages failed to process; they are stored and will be retried")

    def _ingest(self, batch: list[bytes | intake.Result], envelope: tuple[str, list[str]]) -> bool:
        raws = [item for item in batch if isinstance(item, bytes)]
        taken = iter(ingest_many(raws, source="cli", batch=BATCH, envelopes=[envelope] * len(raws)))
        return self._report([next(taken) if isinstance(item, bytes) else item for item in batch])

    def _report(self, results: list[intake.Result]) -> bool:
        for result in results:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        return any(result.outcome == "pending" for result in results)
