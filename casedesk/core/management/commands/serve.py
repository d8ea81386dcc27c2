"""Serve the whole product from one process: pages, API and static files over ASGI."""

from typing import Any

import uvicorn
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve casedesk with uvicorn (the embedded set-up of `make run`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        uvicorn.run(
            "config.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
        )
