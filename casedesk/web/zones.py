"""Pages show times on the reader's clock (`accounts.zones.of_reader`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from casedesk.accounts import zones


class ReaderZoneMiddleware:
    """Activates the reader's zone for the request. The API gives ISO times in UTC offsets
    for programs, so it is left out (and costs no look-up)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        with timezone.override(zones.of_reader(getattr(request, "user", None))):
            return self.get_response(request)
