import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from casedesk.core import sweeps


class Command(BaseCommand):
    help = "Run the periodic sweeps once, or in a loop (the embedded scheduler)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--once", action="store_true")
        mode.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=settings.CASEDESK_SWEEP_INTERVAL)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(json.dumps(sweeps.run_all(), default=str))
            return
        loop(options["interval"])


def loop(interval: int) -> None:
    while True:
        close_old_connections()
        sweeps.run_all()
        close_old_connections()
        time.sleep(interval)
