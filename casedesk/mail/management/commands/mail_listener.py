"""Serve SMTP (or LMTP) for the support addresses; every accepted message goes to intake."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from casedesk.mail import intake
from casedesk.mail.listener import IntakeController


class Command(BaseCommand):
    help = "Listen for mail to the support addresses (SMTP, or LMTP with --lmtp)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.CASEDESK_MAIL_LISTEN_HOST)
        parser.add_argument("--port", type=int, default=settings.CASEDESK_MAIL_LISTEN_PORT)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP (for a local mail server)")

    def handle(self, *args: Any, **options: Any) -> None:
        intake.warm_up()
        controller = IntakeController(host=options["host"], port=options["port"], lmtp=options["lmtp"])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        controller.start()
        kind = "LMTP" if options["lmtp"] else "SMTP"
        addresses = ", ".join(settings.CASEDESK_SUPPORT_ADDRESSES)
        self.stdout.write(f"{kind} for {addresses} on {options['host']}:{options['port']}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
