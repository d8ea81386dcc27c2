"""The status domain sits below the channels: it imports none of them, not even inside a
function, and no module of it or of its public pages grows past 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "casedesk"
CHANNELS = ("casedesk.statuspage", "casedesk.web", "casedesk.api", "casedesk.site", "config")


def modules(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", modules("status"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_status_domain_imports_no_channel(path):
    wrong = {name for name in imported(path) if name.startswith(CHANNELS)}
    assert not wrong


@pytest.mark.parametrize("package", ["status", "statuspage"])
def test_no_module_over_600_lines(package):
    long = {str(p.relative_to(ROOT)) for p in modules(package) if len(p.read_text().splitlines()) > 600}
    assert not long
