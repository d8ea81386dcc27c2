"""Write the Solutions Center's search structures again from the articles (after a restore,
or when the words of titles kept for typos should lose those of changed titles)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from casedesk.solutions import finding


class Command(BaseCommand):
    help = "Rebuild the Solutions Center's search index (FTS5 on SQLite; title words on both engines)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            finding.engine().rebuild()
        self.stdout.write("Solutions Center index rebuilt.")
