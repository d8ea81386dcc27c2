"""Serve the whole product from one process: pages, API and static files over ASGI."""

import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from casedesk.core.management.commands.run_sweeps import loop


class Command(BaseCommand):
    help = "Serve casedesk with uvicorn (the embedded set-up of `make run`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-sweeps", action="store_true", help="Do not run the sweeps in this process.")
        parser.add_argument("--no-mail", action="store_true", help="Take no e-mail in (SMTP, IMAP) here.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_sweeps"]:
            # Embedded: the periodic sweeps (deadlines, outbox) run beside the web server.
            threading.Thread(
                target=loop, args=(settings.CASEDESK_SWEEP_INTERVAL,), name="sweeps", daemon=True
            ).start()
        if not options["no_mail"]:
            from casedesk.mail.embedded import EmbeddedMail

            # Embedded: e-mail comes in here too (the listener on loopback for a local MTA
            # or a test message; the IMAP mailbox when one is configured).
            for line in EmbeddedMail().start():
                self.stdout.write(line)
        uvicorn.run(
            "config.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
            lifespan="off",
        )
