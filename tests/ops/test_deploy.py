"""The production settings pass `check --deploy`; the lock files pin every requirement with
hashes, and installing uses them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3Y-" + "production-only-random-looking-secret-" + "Zq81xWm0pL7vTn2",
    "ALLOWED_HOSTS": "desk.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_COOKIES": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "LOG_FORMAT": "json",
    "CASEDESK_METRICS_TOKEN": "a-long-random-metrics-token-0123456789",
    "DATABASE_URL": "postgres://casedesk@db.internal:5432/casedesk",
}


def test_check_deploy_is_clean_for_the_production_shape():
    dropped = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", *PRODUCTION}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="config.settings")
    # --database is not given: the checks need no connection to the (absent) database.
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def names(path: Path) -> set[str]:
    found = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.add(
                re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
            )
    return found


def pinned(path: Path) -> dict[str, str]:
    text = path.read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^ \\\n]+)", text, flags=re.M))
    blocks = re.split(r"\n(?=[a-z0-9])", text)
    for block in blocks:
        if "==" in block.splitlines()[0] and not block.startswith("#"):
            assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"
    return {name.replace("_", "-").replace(".", "-"): version for name, version in pins.items()}


def test_the_lock_files_pin_every_requirement_with_hashes():
    runtime = pinned(ROOT / "requirements.lock")
    everything = pinned(ROOT / "requirements-dev.lock")
    missing = names(ROOT / "requirements.txt") - set(runtime)
    assert not missing, f"not in requirements.lock (run `make lock`): {sorted(missing)}"
    missing = (names(ROOT / "requirements.txt") | names(ROOT / "requirements-dev.txt")) - set(everything)
    assert not missing, f"not in requirements-dev.lock (run `make lock`): {sorted(missing)}"
    differ = {n: (v, everything[n]) for n, v in runtime.items() if everything.get(n) != v}
    assert not differ, f"the two locks disagree: {differ}"


def test_install_and_ci_use_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q --require-hashes -r requirements-dev.lock" in makefile
    assert (
        "make install" in (ROOT / ".ci" / "run").read_text()
        or "make test" in (ROOT / ".ci" / "run").read_text()
    )
