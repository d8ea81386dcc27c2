from typing import Any

from django.core.management.base import BaseCommand

from casedesk.reporting import upkeep


class Command(BaseCommand):
    help = "Regenerate the reports' summary tables from the case history."

    def handle(self, *args: Any, **options: Any) -> None:
        read = upkeep.rebuild()
        self.stdout.write(f"Read {read} history entries.")
