"""The Content-Security-Policy header on every kind of page, templates free of inline code,
and the report endpoint (the browser side is in tests/browser/test_csp.py)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
CASEDESK = Path(__file__).resolve().parents[2] / "casedesk"


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/status/", "/api/v1/docs", "/password/reset/"])
def test_every_page_carries_the_strict_policy(path):
    policy = directives(Client().get(path))
    assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'" and policy["object-src"] == "object-src 'none'"
    assert policy["report-uri"] == "report-uri /csp-report/"
    assert "unsafe-inline" not in " ".join(policy.values())


def test_console_pages_carry_it_too():
    client = Client()
    client.force_login(StaffFactory())
    assert "script-src" in directives(client.get("/console/"))


def test_no_template_holds_code_or_styles_the_policy_blocks():
    pages = [p for p in CASEDESK.glob("*/templates/**/*.html") if "/templates/mail/" not in str(p)]
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)|\son[a-z]+=|\sstyle=|javascript:", re.I
    )
    assert pages and [str(p) for p in pages if inline.search(p.read_text())] == []


def test_reports_are_logged_and_bounded(caplog):
    caplog.set_level(logging.WARNING, logger="casedesk.csp")
    report = {"csp-report": {"blocked-uri": "inline", "violated-directive": "script-src"}}
    answer = Client().post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert answer.status_code == 204 and "script-src" in caplog.text
    assert (
        Client().post("/csp-report/", "x" * 20000, content_type="application/csp-report").status_code == 413
    )
    assert Client().post("/csp-report/", "{", content_type="application/csp-report").status_code == 204
    assert "unreadable report" in caplog.text
    assert Client().get("/csp-report/").status_code == 405
