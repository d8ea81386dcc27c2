"""One id per request, carried into the work it causes: set from the request (or made),
returned in the `X-Request-ID` response header, written on every log line, and sent with
every Celery task as a header, so a worker's lines name the request that queued its task.

A context variable holds it: each request, and each task a worker runs, sets its own.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "casedesk_request_id"
# A proxy's id is kept when it looks like one (no spaces, no control characters, bounded).
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:@/+=-]{8,64}")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("casedesk_request_id", default="")


def current() -> str:
    return _current.get()


def new() -> str:
    return uuid.uuid4().hex


def bind(value: str) -> contextvars.Token[str]:
    return _current.set(value)


def reset(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def acceptable(value: str | None) -> str:
    """The incoming id if it is one we may echo and log, else a new one."""
    return value if value and _ACCEPTABLE.fullmatch(value) else new()


class RequestIdMiddleware:
    """First in the chain: everything the request logs or queues carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = acceptable(request.headers.get(HEADER))
        token = bind(value)
        try:
            response = self.get_response(request)
        finally:
            reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current()
        return True


# Celery: the id goes out with each task as a message header and is bound while it runs.
def on_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and current() and TASK_HEADER not in headers:
        headers[TASK_HEADER] = current()


_task_tokens: dict[str, contextvars.Token[str]] = {}


def on_task_start(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    _task_tokens[task_id] = bind(value or current() or f"task-{task_id}")


def on_task_end(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            reset(token)
        except ValueError:  # bound in another context (an eager task inside a request)
            bind("")


def connect_celery() -> None:
    from celery import signals

    signals.before_task_publish.connect(on_publish, weak=False)
    signals.task_prerun.connect(on_task_start, weak=False)
    signals.task_postrun.connect(on_task_end, weak=False)
