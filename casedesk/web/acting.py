"""Which customer a partner's user acts for in the portal: their choice is kept in the
session and checked again on every request (`accounts.permissions.act_for`), so an access
revoked since, or a customer no longer managed, puts them back to "All customers"."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from casedesk.accounts import permissions

SESSION_KEY = "casedesk_acting_for"


def choice(request: HttpRequest) -> int | None:
    """The customer the portal user chose to act for (None: all customers, or themselves)."""
    return getattr(request, "casedesk_acting_choice", None)


def remember(request: HttpRequest, organisation_id: int | None) -> None:
    if organisation_id is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = organisation_id
    request.casedesk_acting_choice = organisation_id  # type: ignore[attr-defined]


class ActingForMiddleware:
    """Acts for the customer kept in the session, if the user still may. The API takes
    the customer from each request instead (`api.auth`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            self._choose(request)
        return self.get_response(request)

    @staticmethod
    def _choose(request: HttpRequest) -> None:
        session = getattr(request, "session", None)
        wanted = session.get(SESSION_KEY) if session is not None else None
        if wanted is None:
            return
        user = request.user
        if isinstance(wanted, int) and permissions.act_for(user, wanted):
            request.casedesk_acting_choice = wanted  # type: ignore[attr-defined]
            return
        session.pop(SESSION_KEY, None)  # type: ignore[union-attr]
        if user.is_authenticated and not user.is_staff:
            messages.info(
                request,
                "Your access to the customer you acted for has ended; you now see all your customers.",
            )
