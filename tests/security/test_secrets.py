"""Secrets and deploy settings: no start on the built-in key outside DEBUG, whole tokens
compared, the transport-security settings read from the environment, `check --deploy` clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client

from casedesk.core import clock
from casedesk.status import subscriptions
from casedesk.status.models import Subscription
from tests.status.helpers import PlatformFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3Y-" + "production-only-random-looking-secret-" + "Zq81xWm0pL7vTn2",
    "ALLOWED_HOSTS": "desk.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_COOKIES": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (Playwright in this process), not production's.
    dropped = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", *PRODUCTION}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_refuses_to_start_without_a_real_key_when_debug_is_off():
    missing = manage("check")
    assert missing.returncode != 0 and "Set SECRET_KEY" in missing.stderr
    builtin = manage("check", SECRET_KEY="embedded-only-insecure-key-set-SECRET_KEY-in-production")
    assert builtin.returncode != 0 and "Set SECRET_KEY" in builtin.stderr
    assert manage("check", SECRET_KEY="short").returncode != 0
    assert manage("check", DEBUG="true").returncode == 0  # development may use the built-in key


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_transport_security_follows_the_environment():
    code = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    on = manage("shell", "-c", code, **PRODUCTION)
    assert on.stdout.strip().splitlines()[-1].split() == [
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]
    off = manage("shell", "-c", code, SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert off.stdout.strip().splitlines()[-1].split() == ["0", "False", "False", "False", "None"]


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["", "x", "abc", None])
def test_a_confirm_link_needs_the_whole_token(forged):
    sub = Subscription.objects.create(
        email="a@example.net", platform=PlatformFactory(code="voice"), created_at=clock.now()
    )
    payload = {"s": sub.pk} if forged is None else {"s": sub.pk, "t": forged}
    # A prefix of the token itself passed before: the empty prefix matched every subscription.
    for guess in [payload, {"s": sub.pk, "t": sub.token[:12]}]:
        signed = signing.dumps(guess, salt=subscriptions.CONFIRM_SALT)
        assert Client().post(f"/status/subscriptions/confirm/{signed}/").status_code == 404
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    real = subscriptions.confirm_link(sub).rsplit("/confirm/", 1)[1]
    assert sub.token not in signing.b64_decode(real.split(":")[0].encode()).decode(errors="ignore")
    assert Client().post(f"/status/subscriptions/confirm/{real}").status_code == 200
