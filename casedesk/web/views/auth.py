"""Log in and out, and the landing page that sends each kind of user to their side."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from casedesk.accounts.permissions import is_staff

FAILURES_PER_ADDRESS = 10  # failed logins for one e-mail address in a window
FAILURES_PER_CLIENT = 50  # from one client address: offices share one behind NAT
LOGIN_WINDOW = 15 * 60


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Counts failures per client and per address; answers alike for known and unknown ones."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": "Too many attempts. Please wait a few minutes and try again.",
    }

    def _keys(self) -> list[str]:
        client = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        username = (self.data.get("username") or "").strip().lower()[:254]
        return [f"login-fail:ip:{client}", f"login-fail:user:{username}"]

    @staticmethod
    def _limit(key: str) -> int:
        return FAILURES_PER_CLIENT if key.startswith("login-fail:ip:") else FAILURES_PER_ADDRESS

    def clean(self) -> dict[str, Any]:
        keys = self._keys()
        if any(cache.get(key, 0) >= self._limit(key) for key in keys):
            raise forms.ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        try:
            return super().clean()
        except forms.ValidationError:
            for key in keys:
                cache.add(key, 0, LOGIN_WINDOW)
                cache.incr(key)
            raise


class CasedeskLoginView(LoginView):
    form_class = RateLimitedAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    return redirect(reverse("console:queue") if is_staff(request.user) else reverse("portal:cases"))
