"""The disclosure log as CSV, one writer for the console's download and the API's."""

from __future__ import annotations

import csv
from datetime import UTC
from typing import Any

from django.db.models import QuerySet

from casedesk.privacy.models import Disclosure

HEADER = ["at (UTC)", "who", "action", "organisation", "account", "case", "fields", "why"]


def disclosures_csv(rows: QuerySet[Disclosure], out: Any) -> None:
    """Write `rows` (with their organisation and case loaded) to the file-like `out`."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows.iterator():
        writer.writerow(
            [
                row.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                _safe(row.by_name),
                row.action,
                _safe(row.organisation.name),
                _safe(row.organisation.account_number),
                row.case.number if row.case else "",
                " ".join(row.fields),
                _safe(row.reason),
            ]
        )


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
