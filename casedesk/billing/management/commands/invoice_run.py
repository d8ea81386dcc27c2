import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casedesk.billing import run
from casedesk.rules.invoicing import Period


class Command(BaseCommand):
    help = "Finalize and e-mail every organisation's invoice for a period (YYYY-MM); safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="e.g. 2026-11")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        summary = run.run(period, source="command")
        self.stdout.write(
            json.dumps(
                {
                    "period": summary.period,
                    "organisations": summary.organisations,
                    "finalized": summary.finalized,
                    "already_done": summary.already_done,
                    "mailed": summary.mailed,
                    "total": str(summary.total),
                    "failures": summary.failures,
                }
            )
        )
