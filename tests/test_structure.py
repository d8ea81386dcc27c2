"""The shape of the code, checked: one write path for cases, small modules, no app that
swallows the rest. (Import layers and the absence of import circles are import-linter
contracts in pyproject.toml, run by `make test`.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "casedesk"
MAX_MODULE_LINES = 600
MAX_APP_SHARE = 0.15
# Query-set and manager methods that write rows.
WRITES = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "save",
}


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def _rooted_at_case(node: ast.AST) -> bool:
    """Whether an attribute/call chain starts at the name `Case` (Case.objects...)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name) and node.id == "Case"


def case_writes(source: str) -> list[tuple[int, str]]:
    """Places in `source` that write Case rows: `Case(...)`, a write method anywhere on a
    chain from `Case.objects`, `bulk.insert`/`bulk.update_rows` given `Case`, and
    `save()`/`delete()` on a variable that names a case (case, master, child...)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Case":
            found.append((node.lineno, "Case(...)"))
        elif isinstance(func, ast.Attribute):
            if func.attr in WRITES and _rooted_at_case(func.value):
                found.append((node.lineno, f"Case.objects....{func.attr}()"))
            elif (
                func.attr in {"insert", "update_rows"}
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "Case"
            ):
                found.append((node.lineno, f"bulk.{func.attr}(Case, ...)"))
            elif func.attr in {"save", "delete"}:
                target = func.value
                if isinstance(target, ast.Name) and (
                    "case" in target.id.lower() or target.id in {"master", "child", "follow_up"}
                ):
                    found.append((node.lineno, f"{target.id}.{func.attr}()"))
    return found


def test_the_write_check_sees_every_form_of_case_write():
    sample = """
Case.objects.create(title="x")
Case.objects.filter(pk=1).update(title="x")
Case.objects.select_for_update().filter(pk=1).delete()
bulk.update_rows(Case, rows)
Case(title="x")
case.save()
master.save(update_fields=["updated_at"])
Case.objects.filter(pk=1).first()
other.save()
"""
    assert [line for line, _ in case_writes(sample)] == [2, 3, 4, 5, 6, 7, 8]


def test_only_the_case_actions_write_cases():
    outside = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "cases":
            continue
        for line, what in case_writes(path.read_text()):
            outside.append(f"casedesk/{rel}:{line}: {what}")
    assert outside == [], "Case rows are written only through casedesk/cases/actions:\n" + "\n".join(outside)


def test_within_cases_only_actions_and_clocks_write_cases():
    allowed = {"actions", "clocks.py"}
    outside = []
    for path in (ROOT / "cases").rglob("*.py"):
        rel = path.relative_to(ROOT / "cases")
        if "migrations" in rel.parts or rel.parts[0] in allowed:
            continue
        for line, what in case_writes(path.read_text()):
            outside.append(f"casedesk/cases/{rel}:{line}: {what}")
    assert outside == []


def test_no_module_over_600_lines():
    big = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert big == {}


def test_no_app_holds_over_15_percent_of_the_code():
    lines: dict[str, int] = {}
    for path in _modules():
        rel = path.relative_to(ROOT)
        app = rel.parts[0] if len(rel.parts) > 1 else "(root)"
        lines[app] = lines.get(app, 0) + len(path.read_text().splitlines())
    total = sum(lines.values())
    shares = {app: round(n / total, 3) for app, n in lines.items()}
    assert max(shares.values()) <= MAX_APP_SHARE, shares


@pytest.mark.parametrize("package", ["rules", "mime"])
def test_pure_packages_import_no_django(package):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("django", "casedesk.")) or name.startswith(
                    f"casedesk.{package}"
                ), f"{path}: {name}"


def test_every_setting_read_from_the_environment_is_in_the_readme():
    import re

    settings_py = (ROOT.parent / "config" / "settings.py").read_text()
    names = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', settings_py))
    readme = (ROOT.parent / "README.md").read_text()
    section = readme.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    assert names and {n for n in names if f"`{n}`" not in section} == set()
