"""Log in and out, reset a forgotten password, and the landing page that sends each kind
of user to their side."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from casedesk.accounts import actions
from casedesk.accounts.permissions import is_staff
from casedesk.core.errors import Forbidden, Refused
from casedesk.outbox import delivery
from casedesk.signin import sessions, verification
from casedesk.web import login_limits
from casedesk.web.views.common import error_page


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Failed logins slow down, never lock: a client past its hourly allowance waits, and
    each (client, account) pair waits longer after every failure, so someone guessing
    elsewhere cannot keep the owner out. Known and unknown addresses are answered alike."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": "Too many attempts. Please wait a few minutes and try again.",
        "slow_down": "Too many attempts. Please wait %(seconds)s seconds and try again.",
    }

    def _client_and_account(self) -> tuple[str, str]:
        client = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return client or "unknown", (self.data.get("username") or "").strip().lower()[:254]

    def clean(self) -> dict[str, Any]:
        client, account = self._client_and_account()
        if login_limits.client_blocked(client):
            raise forms.ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        seconds = login_limits.wait(client, account)
        if seconds:
            raise forms.ValidationError(
                self.error_messages["slow_down"], code="slow_down", params={"seconds": seconds}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_limits.failed(client, account)
            raise
        login_limits.succeeded(client, account)
        return cleaned


class CasedeskLoginView(LoginView):
    """The password step. Someone with a second factor is then asked for a code; staff who
    must have one and have none are sent to set it up (`casedesk.web.second_factor`)."""

    form_class = RateLimitedAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sessions.note(self.request)  # since when, from where: listed on the account page
        step = verification.after_password(self.request)
        if step is None:
            return response
        name = "two_factor_verify" if step == verification.VERIFY else "two_factor_enrol"
        return redirect(reverse(name) + "?" + urlencode({"next": self.get_success_url()}))


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the desk's own log-in (rate limited, second factor)."""
    if request.user.is_authenticated:
        if not is_staff(request.user):
            return error_page(request, Forbidden("The admin is for the provider's administrators only."))
        return redirect(reverse("admin:index"))
    query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
    return redirect(reverse("login") + "?" + query)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    return redirect(reverse("console:queue") if is_staff(request.user) else reverse("portal:cases"))


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether the address has an account."""
    if request.method == "POST":
        email = request.POST.get("email", "")
        client = request.META.get("REMOTE_ADDR", "") or "unknown"
        try:
            actions.request_password_reset(email, client=client)
        except Refused as exc:
            context = {"error": str(exc), "email": email}
            return render(request, "web/password_reset_form.html", context, status=exc.status_code)
        return redirect("password_reset_done")
    return render(request, "web/password_reset_form.html", {"email": ""})


def send_reset(link: actions.ResetLink) -> None:
    with transaction.atomic():
        delivery.enqueue_template(
            kind="password_reset",
            to=link.user.email,
            template="password_reset",
            context={"user": link.user, "url": link.url, "hours": link.hours},
        )


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/password_reset_done.html")


class ResetPasswordForm(SetPasswordForm):
    """Django's checks of the two fields; the write goes through the account action."""

    token = ""

    def save(self, commit: bool = True) -> Any:
        actions.set_password(self.user, self.token, self.cleaned_data["new_password1"])
        return self.user


class ResetPasswordView(PasswordResetConfirmView):
    """Django's link handling (the token moves from the URL into the session before the form
    shows, so it never leaks in a Referer); an unusable link answers 404."""

    form_class = ResetPasswordForm
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.token = self.request.session.get("_password_reset_token", "")
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)
        except Refused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if not context.get("validlink"):
            response.status_code = 404
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "web/password_reset_complete.html")
