"""The gate of the second factor: a signed-in session that still owes its code (or must
set one up first) reaches only the code step, enrolment, logging out and public pages:
not the console, the portal, the admin or the API.

A request with a bearer token is judged by its token (integrations sign in with tokens,
which the second factor does not concern); the API takes no session sign-in, and a
session's cookie sent to it by a session that owes its code is refused all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from casedesk.signin import verification

OPEN_PREFIXES = ("/static/", "/status/", "/csp-report/", "/password/reset/", "/confirm/")
OPEN_NAMES = ("login", "logout", "two_factor_verify", "two_factor_enrol", "two_factor_qr")


class SecondFactorGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> frozenset[str]:
        return frozenset(reverse(name) for name in OPEN_NAMES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(OPEN_PREFIXES) or path in self.open_paths:
            return self.get_response(request)
        if path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return self.get_response(request)
        step = verification.step_due(request)
        if step is None:
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Finish signing in with your second factor first (or use an API token)."},
                status=403,
            )
        name = "two_factor_verify" if step == verification.VERIFY else "two_factor_enrol"
        return redirect(reverse(name) + "?" + urlencode({"next": request.get_full_path()}))
