"""Request ids: in the response header, on every log record, and sent with tasks."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client

from casedesk.core import requestid

ROOT = Path(__file__).resolve().parents[2]


def test_each_response_has_a_new_id():
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("proxy-id-12345678", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("short", False),
        ("bad id\r\nx", False),
    ],
)
def test_a_proxys_id_is_kept_only_when_it_looks_like_one(given, kept):
    answer = Client().get("/healthz", headers={"X-Request-ID": given})["X-Request-ID"]
    assert (answer == given) is kept


def test_log_records_carry_the_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    token = requestid.bind("req-abcdef12")
    try:
        assert requestid.RequestIdFilter().filter(record)
    finally:
        requestid.reset(token)
    assert record.request_id == "req-abcdef12"


def test_tasks_carry_the_id_of_what_queued_them():
    token = requestid.bind("req-abcdef12")
    headers: dict[str, str] = {}
    try:
        requestid.on_publish(headers=headers)
    finally:
        requestid.reset(token)
    assert headers == {requestid.TASK_HEADER: "req-abcdef12"}
    # In the worker: bound while the task runs, forgotten after.
    task = SimpleNamespace(request=SimpleNamespace(casedesk_request_id="req-abcdef12"))
    requestid.on_task_start(task_id="t1", task=task)
    assert requestid.current() == "req-abcdef12"
    requestid.on_task_end(task_id="t1")
    assert requestid.current() == ""
    # A task queued by a sweep (no request) gets an id of its own.
    requestid.on_task_start(task_id="t2", task=SimpleNamespace(request=SimpleNamespace()))
    assert requestid.current() == "task-t2"
    requestid.on_task_end(task_id="t2")


def test_json_logs_when_asked():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(LOG_FORMAT="json", DJANGO_SETTINGS_MODULE="tests.settings")
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import logging; logging.getLogger('t').warning('hi %s', 1)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "hi 1" and line["level"] == "WARNING" and line["logger"] == "t"
    assert "request_id" in line and line["time"].endswith("+00:00")
