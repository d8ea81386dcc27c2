"""What a session has shown of the second factor, and who must show one.

A session that passed the code step keeps when and with which device
(`STATE = {"at": epoch seconds, "device": persistent id}`); one that was checked and
needs no code keeps `{"none": True}`. Both live in the session's data, so a page costs no
query for them; the requirement is asked again on every request (roles change), from the
abilities already read for the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casedesk.accounts.permissions import abilities_of, is_staff
from casedesk.core import clock
from casedesk.rules import second_factor as rules
from casedesk.signin import factors

STATE = "_casedesk_2fa"
VERIFY, ENROL = "verify", "enrol"


def must_have(user: Any) -> bool:
    """Whether `user` must sign in with a second factor (`casedesk.rules.second_factor`),
    while `CASEDESK_STAFF_2FA_REQUIRED` is on."""
    if not settings.CASEDESK_STAFF_2FA_REQUIRED or not is_staff(user):
        return False
    return rules.must_have_second_factor(
        staff=True,
        superuser=bool(user.is_superuser),
        role=user.staff_role or "",
        abilities=[a.value for a in abilities_of(user)],
    )


def mark_verified(request: HttpRequest, device: Any) -> None:
    request.session[STATE] = {"at": clock.now().timestamp(), "device": device.persistent_id}


def mark_none(request: HttpRequest) -> None:
    request.session[STATE] = {"none": True}


def verified_at(request: HttpRequest) -> float | None:
    state = request.session.get(STATE) or {}
    at = state.get("at")
    return float(at) if at else None


def is_verified(request: HttpRequest) -> bool:
    return verified_at(request) is not None


def fresh(request: HttpRequest) -> bool:
    """Whether the second factor was shown recently enough for a sensitive change."""
    return rules.verification_fresh(
        verified_at(request), clock.now().timestamp(), settings.CASEDESK_2FA_REVERIFY_MINUTES * 60
    )


def needs_fresh_proof(request: HttpRequest) -> bool:
    """Whether a sensitive change must first ask for a code: the person has a second factor
    and has not shown it within `CASEDESK_2FA_REVERIFY_MINUTES`."""
    return not fresh(request) and factors.has_second_factor(request.user)


def step_due(request: HttpRequest) -> str | None:
    """What a signed-in session must do before anything else: VERIFY (enter a code), ENROL
    (set up a second factor it must have), or None."""
    state = request.session.get(STATE) or {}
    if state.get("at"):
        return None
    required = must_have(request.user)
    if state.get("none") and not required:
        return None
    if factors.has_second_factor(request.user):
        return VERIFY
    if required:
        return ENROL
    mark_none(request)
    return None


def after_password(request: HttpRequest) -> str | None:
    """Right after the password step: which step comes next (None: signed in)."""
    request.session.pop(STATE, None)
    return step_due(request)
