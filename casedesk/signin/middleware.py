"""Keeps each signed-in session's row current: whose, since when, from where, last seen."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from casedesk.signin import sessions

# Public pages are served alike to everyone and set no cookie: not a session's business.
UNTRACKED = ("/status/", "/static/")


class SessionNoteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path.startswith(UNTRACKED):
            sessions.note(request)
        return self.get_response(request)
