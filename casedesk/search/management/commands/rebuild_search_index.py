"""Rewrite every case's search document (after an upgrade, a restore, or renamed
organisations and contacts, whose names the documents copy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casedesk.search import index


class Command(BaseCommand):
    help = "Rebuild the case search index from the cases, their comments and contacts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=10_000, help="case ids per statement")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{done} case ids done")

        done = index.rebuild(batch=max(100, options["batch"]), progress=progress)
        self.stdout.write(f"Search index rebuilt over {done} case ids.")
