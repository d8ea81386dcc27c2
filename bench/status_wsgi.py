"""The production WSGI application plus one minimal view returning the exported status page
bytes, so both are measured on the same server and middleware."""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from config import urls  # noqa: E402

_bytes: dict[str, bytes] = {}


def same_bytes(request: HttpRequest) -> HttpResponse:
    if "body" not in _bytes:
        from casedesk.statuspage import pages

        _bytes["body"] = pages.get("index.html").body
    return HttpResponse(_bytes["body"], content_type="text/html; charset=utf-8")


urls.urlpatterns.insert(0, path("bench/same-bytes/", same_bytes))
