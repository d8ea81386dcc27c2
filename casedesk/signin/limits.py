"""How wrong second-factor codes slow down, in the shared cache (`casedesk.core.throttle`).

The code step has its own count per account, whoever types: whoever reaches it already
knows the password, so after a few wrong codes each further one doubles the wait (up to
15 minutes) and a six-digit code cannot be guessed in any useful time. A client is also
limited as a whole, as the password step is.
"""

from __future__ import annotations

from casedesk.core import throttle

WINDOW = 15 * 60
FAILURES_PER_CLIENT = 50  # wrong codes in the window from one client address, any account
BACKOFF = throttle.Backoff(free=5, base=2, cap=15 * 60)  # per account


def _account(user_id: int) -> str:
    return throttle.key("otp-account", str(user_id))


def _hold(user_id: int) -> str:
    return throttle.key("otp-hold", str(user_id))


def _client(client: str) -> str:
    return throttle.key("otp-client", client)


def wait(user_id: int, client: str) -> int:
    """Seconds before this account may try a code again (from this client)."""
    if throttle.count(_client(client)) >= FAILURES_PER_CLIENT:
        return max(throttle.retry_after(_hold(user_id)), 60)
    return throttle.retry_after(_hold(user_id))


def failed(user_id: int, client: str) -> None:
    throttle.hit(_client(client), WINDOW)
    failures = throttle.hit(_account(user_id), 24 * 60 * 60)
    throttle.hold(_hold(user_id), BACKOFF.wait(failures))


def succeeded(user_id: int) -> None:
    throttle.forget(_account(user_id), _hold(user_id))
