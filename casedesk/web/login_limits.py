"""How failed logins slow down, counted in the shared cache (see `casedesk.core.throttle`).

A client is limited as a whole (generously: an office shares one address behind NAT), and
each (client, account) pair backs off: after a few failures every further one doubles the
wait. The account itself is never locked, so failures from elsewhere cannot keep its owner
out; instead the owner is told by e-mail when an account collects many failures.
"""

from __future__ import annotations

from django.db import transaction

from casedesk.accounts import selectors as accounts
from casedesk.core import throttle
from casedesk.outbox import delivery

WINDOW = 15 * 60
FAILURES_PER_CLIENT = 100  # in the window, from one client address
BACKOFF = throttle.Backoff(free=5, base=2, cap=15 * 60)  # per (client, account)
TELL_OWNER_AFTER = 10  # failures for one account in the window, from anywhere


def _client(client: str) -> str:
    return throttle.key("login-client", client)


def _pair(client: str, account: str) -> str:
    return throttle.key("login-pair", client, account)


def _hold(client: str, account: str) -> str:
    return throttle.key("login-hold", client, account)


def _account(account: str) -> str:
    return throttle.key("login-account", account)


def client_blocked(client: str) -> bool:
    return throttle.count(_client(client)) >= FAILURES_PER_CLIENT


def wait(client: str, account: str) -> int:
    """Seconds this client must wait before trying this account again."""
    return throttle.retry_after(_hold(client, account))


def failed(client: str, account: str) -> None:
    throttle.hit(_client(client), WINDOW)
    failures = throttle.hit(_pair(client, account), 24 * 60 * 60)
    throttle.hold(_hold(client, account), BACKOFF.wait(failures))
    if throttle.hit(_account(account), WINDOW) == TELL_OWNER_AFTER:
        _tell_owner(account)


def succeeded(client: str, account: str) -> None:
    throttle.forget(_pair(client, account), _hold(client, account))


def _tell_owner(account: str) -> None:
    user = accounts.user_by_email(account)
    if user is None or not user.is_active:
        return
    with transaction.atomic():
        delivery.enqueue_template(
            kind="login_failures",
            to=user.email,
            template="login_failures",
            context={"user": user, "failures": TELL_OWNER_AFTER, "minutes": WINDOW // 60},
        )
