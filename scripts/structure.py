"""Print the structure of casedesk/: each top-level package with its share of the code
and the packages it imports (imports inside functions included), and any import circle
between packages. `make structure` runs it."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    graph = grimp.build_graph("casedesk")
    packages = sorted({m.split(".")[1] for m in graph.modules if m.count(".") >= 1})
    lines: dict[str, int] = {}
    for path in (ROOT / "casedesk").rglob("*.py"):
        rel = path.relative_to(ROOT / "casedesk")
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        lines[rel.parts[0]] = lines.get(rel.parts[0], 0) + len(path.read_text().splitlines())
    total = sum(lines.values())
    imports: dict[str, set[str]] = {}
    for package in packages:
        out: set[str] = set()
        for module in graph.find_descendants(f"casedesk.{package}") | {f"casedesk.{package}"}:
            for imported in graph.find_modules_directly_imported_by(module):
                if imported.startswith("casedesk.") and imported.split(".")[1] != package:
                    out.add(imported.split(".")[1])
        imports[package] = out
    print(f"{'package':<12} {'lines':>6} {'share':>6}  imports")
    for package in sorted(packages, key=lambda p: -lines.get(p, 0)):
        n = lines.get(package, 0)
        print(f"{package:<12} {n:>6} {n / total:>6.1%}  {', '.join(sorted(imports[package])) or '-'}")
    print(f"{'total':<12} {total:>6}")
    circles = [(a, b) for a in packages for b in imports[a] if a < b and a in imports.get(b, set())]
    for a, b in circles:
        print(f"circle: {a} <-> {b}")
    print("no import circle between packages" if not circles else f"{len(circles)} circle(s)")
    return 1 if circles else 0


if __name__ == "__main__":
    raise SystemExit(main())
