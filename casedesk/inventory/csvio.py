"""The inventory as CSV: one row per item, the columns of `rules.inventory.COLUMNS`, written
and read a row at a time (memory flat in the number of rows).

A cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe, which spreadsheets show as text and the import
drops again; a phone number keeps its leading "+" as is (E.164 is digits after it, never a
formula), so the export, edited and imported again, reads the same numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from casedesk.core.errors import Refused
from casedesk.rules import inventory as rules

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[0-9]{6,15}$")
IGNORED_COLUMNS = frozenset({"key"})  # the export's informational key


def header() -> list[str]:
    return ["kind", "key", *rules.COLUMNS[1:]]


def cell(name: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if name in ("number",) and _E164.match(text):
        return text
    if text.startswith(_FORMULA):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream(items: Iterable[Any]) -> Iterator[str]:
    """CSV lines of `items` (Item rows), the header first."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header())  # a BOM, so spreadsheets read UTF-8
    for item in items:
        fields = set(rules.FIELDS[rules.Kind(item.kind)])
        row = [item.kind, cell("key", item.key)]
        for name in rules.COLUMNS[1:]:
            if name not in fields:
                row.append("")
            elif name == "monthly_price":
                row.append(f"{item.monthly_price:.2f}")
            else:
                row.append(cell(name, getattr(item, name)))
        yield writer.writerow(row)


def read(binary: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: raw text}) for each data row of a CSV file opened in binary
    mode; Refused for a file that is not the inventory's CSV."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader)
    except StopIteration:
        raise Refused("The file is empty.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise Refused(f"The file is not UTF-8 CSV text ({exc}).") from None
    columns = [c.strip().lower() for c in first]
    if "kind" not in columns:
        raise Refused(
            "The first row must name the columns, starting with “kind” (export the inventory for one)."
        )
    unknown = [c for c in columns if c and c not in rules.COLUMNS and c not in IGNORED_COLUMNS]
    if unknown:
        raise Refused(f"Unknown column(s): {', '.join(unknown)}. The columns are: {', '.join(header())}.")
    rows = 0
    try:
        for values in reader:
            rows += 1
            if rows > MAX_ROWS:
                raise Refused(f"The file has more than {MAX_ROWS:,} rows.")
            if not any(v.strip() for v in values):
                continue
            row = {
                name: values[i] if i < len(values) else ""
                for i, name in enumerate(columns)
                if name and name not in IGNORED_COLUMNS
            }
            if len(values) > len(columns):
                row["__extra__"] = "1"
            yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise Refused(f"Line {reader.line_num + 1} is not UTF-8 text ({exc.reason}).") from None
    except csv.Error as exc:
        raise Refused(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None


def count_rows(binary: Any) -> int:
    """Data rows of the file (for the progress bar), reading it once without parsing cells."""
    lines = 0
    for _ in binary:
        lines += 1
    binary.seek(0)
    return max(0, lines - 1)
