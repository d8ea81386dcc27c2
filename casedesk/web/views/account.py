"""The account page and the second factor: the code step after the password, enrolment
with a QR code, recovery codes, changing the password or the e-mail address, and the
list of signed-in sessions.

A sensitive change (password, e-mail, the second factor itself) first asks for a code
when the session has not shown one in the last `CASEDESK_2FA_REVERIFY_MINUTES`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from casedesk.accounts import actions
from casedesk.accounts.permissions import is_staff
from casedesk.core.errors import Refused
from casedesk.privacy import actions as privacy_actions
from casedesk.rules import cpni
from casedesk.signin import factors, sessions, verification
from casedesk.web.security_notices import tell

View = Callable[..., HttpResponse]


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def safe_next(request: HttpRequest, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("home")


def step_url(step: str, next_url: str = "") -> str:
    name = "two_factor_verify" if step == verification.VERIFY else "two_factor_enrol"
    return reverse(name) + (f"?{urlencode({'next': next_url})}" if next_url else "")


def fresh_second_factor(back: str | None = None) -> Callable[[View], View]:
    """Ask for a code first when the session has not shown one recently (and the person
    has a second factor); then come back to `back` (a URL name) or this page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if verification.needs_fresh_proof(request):
                messages.info(request, "Please confirm it is you: enter a code from your authenticator app.")
                target = reverse(back) if back else request.get_full_path()
                return redirect(step_url(verification.VERIFY, target) + "&confirm=1")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


# -- the code step -------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator app or a recovery code: after the password, or
    again before a sensitive change."""
    user: Any = request.user
    next_url = safe_next(request)
    if not factors.has_second_factor(user):
        return redirect(step_url(verification.ENROL, next_url) if verification.must_have(user) else next_url)
    confirming = bool(request.GET.get("confirm") or request.POST.get("confirm"))
    context = {
        "next": next_url,
        "confirming": confirming,
        "error": "",
        "second_factor_step": verification.step_due(request) is not None,
    }
    if request.method == "POST":
        try:
            proof = factors.verify(user, request.POST.get("code", ""), client=_client(request))
        except Refused as exc:
            context["error"] = str(exc)
            return render(request, "web/two_factor_verify.html", context, status=exc.status_code)
        request.session.cycle_key()  # a new session key once both factors are in
        verification.mark_verified(request, proof.device)
        if proof.recovery:
            messages.warning(
                request,
                f"You used a recovery code; {proof.recovery_left} left. "
                "Make new ones on your account page if you are running out.",
            )
        return redirect(next_url)
    return render(request, "web/two_factor_verify.html", context)


# -- enrolment -------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: begin (a new secret), scan or type it, confirm a code;
    the recovery codes are then shown once."""
    user: Any = request.user
    next_url = safe_next(request, reverse("account"))
    if verification.needs_fresh_proof(request):
        # Replacing an authenticator is a change of the second factor: the current one first
        # (and a session that owes its code must not see or confirm a new key instead).
        messages.info(request, "Please confirm it is you before replacing your authenticator.")
        return redirect(step_url(verification.VERIFY, reverse("two_factor_enrol")) + "&confirm=1")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "begin":
            factors.begin(user)
            return redirect(reverse("two_factor_enrol") + f"?{urlencode({'next': next_url})}")
        if action == "confirm":
            replacing = factors.has_second_factor(user)
            try:
                codes = factors.confirm(user, request.POST.get("code", ""), client=_client(request))
            except Refused as exc:
                return _enrol_page(request, next_url, error=str(exc), status=exc.status_code)
            request.session.cycle_key()
            verification.mark_verified(request, factors.app_device(user))
            ended = sessions.end_others(user, keep=sessions.current_id(request))
            tell(user, "two_factor_replaced" if replacing else "two_factor_on", client=_client(request))
            return _codes_page(request, codes, next_url, enrolled=True, ended=ended)
        return _enrol_page(request, next_url, error="Choose Begin, then enter a code.", status=400)
    return _enrol_page(request, next_url)


def _enrol_page(request: HttpRequest, next_url: str, *, error: str = "", status: int = 200) -> HttpResponse:
    user: Any = request.user
    device = factors.pending_device(user)
    context = {
        "next": next_url,
        "error": error,
        "pending": device is not None,
        "secret": factors.secret_text(device) if device is not None else "",
        "has_factor": factors.has_second_factor(user),
        "required": verification.must_have(user),
        "account": user.email,
        "second_factor_step": verification.step_due(request) is not None,
    }
    return render(request, "web/two_factor_enrol.html", context, status=status)


@never_cache
@login_required
def enrol_qr(request: HttpRequest) -> HttpResponse:
    """The waiting authenticator's otpauth:// address as a QR code (SVG, no script, no
    style), never cached: it carries the secret."""
    device = factors.pending_device(request.user)
    if device is None or verification.needs_fresh_proof(request):
        raise Http404("No authenticator is waiting to be confirmed.")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def _codes_page(
    request: HttpRequest, codes: list[str], next_url: str, *, enrolled: bool, ended: int = 0
) -> HttpResponse:
    response = render(
        request,
        "web/recovery_codes.html",
        {"codes": codes, "next": next_url, "enrolled": enrolled, "ended": ended},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@fresh_second_factor(back="account")
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = factors.regenerate_recovery_codes(request.user)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("account")
    tell(request.user, "recovery_codes", client=_client(request))
    return _codes_page(request, codes, reverse("account"), enrolled=False)


@require_POST
@fresh_second_factor(back="account")
def turn_off(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if verification.must_have(user):
        messages.error(
            request,
            "Your role requires two-factor sign-in, so it cannot be turned off. "
            "Use Replace authenticator to move it to a new phone.",
        )
        return redirect("account")
    if not factors.has_second_factor(user):
        return redirect("account")
    factors.turn_off(user)
    verification.mark_none(request)
    sessions.end_others(user, keep=sessions.current_id(request))
    tell(user, "two_factor_off", client=_client(request))
    messages.success(request, "Two-factor sign-in is off. Your other sessions were signed out.")
    return redirect("account")


# -- the account page, password, e-mail, sessions ---------------------------------------------


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    device = factors.app_device(user)
    context = {
        "device": device,
        "recovery_left": factors.recovery_codes_left(user) if device else 0,
        "required": verification.must_have(user),
        "sessions": sessions.sessions_of(user, current=sessions.current_id(request)),
        "can_change_email": is_staff(user),
    }
    return render(request, "web/account.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@fresh_second_factor()
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        new, again = request.POST.get("new_password1", ""), request.POST.get("new_password2", "")
        try:
            if new != again:
                raise Refused("The two new passwords differ. Type the same one twice.")
            actions.change_password(user, current=request.POST.get("old_password", ""), new=new)
        except Refused as exc:
            return render(request, "web/password_change.html", {"error": str(exc)}, status=exc.status_code)
        user.refresh_from_db(fields=["password"])
        update_session_auth_hash(request, user)  # this session goes on; the others end
        sessions.end_others(user, keep=sessions.current_id(request))
        tell(user, "password", client=_client(request))
        privacy_actions.tell_sign_in_changed(user, cpni.Change.ONLINE_PASSWORD)
        messages.success(request, "Your password is changed. Your other sessions were signed out.")
        return redirect("account")
    return render(request, "web/password_change.html", {"error": ""})


@never_cache
@require_http_methods(["GET", "POST"])
@fresh_second_factor()
def email_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not is_staff(user):
        context = {
            "error": "Your organisation's contacts are kept by your support provider: ask them to change it.",
            "forbidden": True,
        }
        return render(request, "web/email_change.html", context, status=403)
    if request.method == "POST":
        email, before = request.POST.get("email", ""), user.email
        try:
            user = actions.change_email(user, password=request.POST.get("password", ""), email=email)
        except Refused as exc:
            context = {"error": str(exc), "email": email}
            return render(request, "web/email_change.html", context, status=exc.status_code)
        for address in (before, user.email):  # the old address hears of it too
            tell(user, "email", to=address, client=_client(request))
        messages.success(request, f"You now sign in with {user.email}.")
        return redirect("account")
    return render(request, "web/email_change.html", {"error": "", "email": user.email})


@require_POST
@login_required
def session_end(request: HttpRequest, session_id: str) -> HttpResponse:
    user: Any = request.user
    current = sessions.current_id(request)
    if not sessions.end(user, session_id):
        raise Http404("No such session.")
    if session_id == current:
        logout(request)
        return redirect("login")
    messages.success(request, "That session is signed out.")
    return redirect("account")


@require_POST
@login_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions.end_others(request.user, keep=sessions.current_id(request))
    messages.success(request, f"Signed out {ended} other session{'s' if ended != 1 else ''}.")
    return redirect("account")
