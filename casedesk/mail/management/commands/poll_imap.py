"""Poll the configured IMAP mailbox into intake, once or in a loop."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from casedesk.mail import intake
from casedesk.mail.imap import Mailbox, poll_once


class Command(BaseCommand):
    help = "Take new messages from the IMAP mailbox (CASEDESK_IMAP_*); one JSON line each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        box = Mailbox.from_settings()
        if not box.host:
            raise CommandError("Set CASEDESK_IMAP_HOST (and _USER, _PASSWORD) first.")
        intake.warm_up()
        while True:
            for result in poll_once(box):
                self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            if not options["loop"]:
                return
            close_old_connections()
            time.sleep(options["interval"])
