"""`make run` with PORT (and HOST) also points the links in mail, feeds and calendars there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW = "show-base-url:\n\t@echo $$CASEDESK_BASE_URL\n"


def _recipe_sees(*args: str, env: dict[str, str] | None = None) -> str:
    """What a recipe of the Makefile (such as `run`'s serve) finds in its environment."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environ = {k: v for k, v in os.environ.items() if k not in {"CASEDESK_BASE_URL", "PORT", "HOST"}}
    environ.update(env or {})
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "show-base-url", *args],
        input=SHOW,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        check=True,
    )
    return done.stdout.strip()


def test_default_base_url_is_where_make_run_serves():
    assert _recipe_sees() == "http://127.0.0.1:8000"


def test_port_sets_the_links():
    assert _recipe_sees("PORT=9123") == "http://127.0.0.1:9123"
    assert _recipe_sees(env={"PORT": "9124", "HOST": "0.0.0.0"}) == "http://0.0.0.0:9124"


def test_an_explicit_base_url_wins():
    assert _recipe_sees("PORT=9123", env={"CASEDESK_BASE_URL": "https://desk.example.com"}) == (
        "https://desk.example.com"
    )
