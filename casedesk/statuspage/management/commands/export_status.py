"""Write the public status page and its feeds as static files, for any web server or CDN.

The tree mirrors the URLs: DIR/status/index.html, DIR/status/summary.json, ...
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand

from casedesk.statuspage import pages


class Command(BaseCommand):
    help = "Export /status/ (page, history, incidents, summary.json, Atom and iCalendar feeds) as files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory")

    def handle(self, *args: Any, directory: str, **options: Any) -> None:
        root = Path(directory)
        written = 0
        for path in pages.all_paths():
            page = pages.get(path)
            target = root / "status" / path.replace("history.html", "history/index.html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.body)
            written += 1
        for name in ("casedesk/casedesk.css", "casedesk/status.css"):
            found = finders.find(name)
            if found:
                out = root / "static" / name
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(str(found), out)
        self.stdout.write(f"{written} files under {root / 'status'}")
