"""What the portal and console pages share: who may enter, and how refusals are shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casedesk.accounts import permissions
from casedesk.accounts.models import User
from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.core.errors import Forbidden, Refused
from casedesk.rules.permissions import Ability

View = Callable[..., HttpResponse]


class AuthedRequest(HttpRequest):
    """A request past `staff_required` or `customer_required`: the user is a real User."""

    user: User


def _gate(check: Callable[[Any], bool], who: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                return error_page(request, Forbidden(f"This page is for {who} only."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = _gate(is_staff, "support staff")
customer_required = _gate(lambda user: customer_contact(user) is not None, "customer contacts")


def staff_can(ability: Ability) -> Callable[[View], View]:
    """Support staff whose role holds `ability`; others get a page saying what and why."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_staff(request.user) and not permissions.can(request.user, ability):
                return error_page(request, Forbidden(permissions.refusal(request.user, ability)))
            return view(request, *args, **kwargs)

        return staff_required(wrapped)

    return decorator


def error_page(request: HttpRequest, exc: Refused) -> HttpResponse:
    titles = {404: "Not found", 403: "Not allowed", 400: "Request refused"}
    return render(
        request,
        "web/error.html",
        {"title": titles.get(exc.status_code, "Refused"), "message": str(exc)},
        status=exc.status_code,
    )


class RefusalMiddleware:
    """Turns a Refused raised anywhere in a page view into a clear page with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, Refused) and not request.path.startswith("/api/"):
            return error_page(request, exc)
        return None


def form_errors(form: Any) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ") if field in form.fields else ""
        parts.append(f"{str(label).capitalize()}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)
