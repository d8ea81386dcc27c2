"""Shared, fair rate limits, on the database cache and on Redis: failed logins back off per
(client, account) and never lock the owner out, the owner hears of many failures, and the
counters are in the shared cache, not in one process's memory."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from casedesk.outbox.models import OutboundMessage
from casedesk.web import login_limits
from tests.factories import customer

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings):
    original = settings.CACHES
    prefix = f"casedesk-test-{uuid.uuid4().hex[:8]}"
    if request.param == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "casedesk_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    else:
        try:
            redis.Redis.from_url(REDIS).ping()
        except redis.RedisError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS,
                "KEY_PREFIX": prefix,
            }
        }
    yield request.param
    if request.param == "redis":
        raw = redis.Redis.from_url(REDIS)
        for key in raw.scan_iter(f"{prefix}:*"):
            raw.delete(key)
    settings.CACHES = original  # before the suite's own cache.clear(), which would flush Redis


def _login(address: str, email: str, password: str):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": email, "password": password})


def test_failures_back_off_per_client_and_account_and_never_lock_the_owner(shared_cache):
    owner = customer()
    with time_machine.travel("2025-03-03 10:00Z", tick=False) as traveller:
        for _ in range(login_limits.BACKOFF.free):
            assert b"correct" in _login("203.0.113.9", owner.email, "guess").content
        # The guesser now waits, longer after each failure, even with the right password...
        held = _login("203.0.113.9", owner.email, "pass-word-123")
        assert held.status_code == 200 and b"wait 2 seconds" in held.content
        # ...while the owner, elsewhere, logs in as usual.
        assert _login("198.51.100.7", owner.email, "pass-word-123").status_code == 302
        traveller.shift(3)
        assert b"correct" in _login("203.0.113.9", owner.email, "guess").content
        assert b"wait 4 seconds" in _login("203.0.113.9", owner.email, "guess").content
    # The counters are in the shared cache, where every worker reads them.
    if shared_cache == "database":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM casedesk_cache")
            assert cursor.fetchone()[0] >= 3
    else:
        assert any(redis.Redis.from_url(REDIS).scan_iter(f"{settings_prefix()}:*"))


def settings_prefix() -> str:
    from django.conf import settings

    return settings.CACHES["default"]["KEY_PREFIX"]


def test_the_owner_is_told_of_many_failures_once(shared_cache):
    owner = customer()
    with time_machine.travel("2025-03-03 10:00Z", tick=False):
        for n in range(login_limits.TELL_OWNER_AFTER + 3):
            _login(f"203.0.113.{n}", owner.email, "guess")
    told = OutboundMessage.objects.get(kind="login_failures")
    assert told.to == owner.email and "not locked" in told.text
    for n in range(login_limits.TELL_OWNER_AFTER + 1):
        _login(f"203.0.113.{n}", "nobody@example.org", "guess")
    assert OutboundMessage.objects.filter(kind="login_failures").count() == 1  # nobody to tell


def test_one_client_is_limited_as_a_whole(shared_cache, monkeypatch):
    monkeypatch.setattr(login_limits, "FAILURES_PER_CLIENT", 4)
    owner = customer()
    for n in range(4):
        _login("203.0.113.50", f"guess{n}@example.org", "guess")
    assert b"wait a few minutes" in _login("203.0.113.50", owner.email, "pass-word-123").content
    assert _login("203.0.113.51", owner.email, "pass-word-123").status_code == 302


def test_reset_and_subscribe_limits_are_per_client_and_address(shared_cache):
    from tests.status.helpers import PlatformFactory

    PlatformFactory(code="voice")
    ask = [
        Client(REMOTE_ADDR="203.0.113.60").post("/password/reset/", {"email": "a@example.org"})
        for _ in range(4)
    ]
    assert [a.status_code for a in ask] == [302, 302, 302, 429]
    assert (
        Client(REMOTE_ADDR="203.0.113.61").post("/password/reset/", {"email": "a@example.org"}).status_code
        == 302
    )
    sub = [
        Client(REMOTE_ADDR="203.0.113.60").post(
            "/status/subscribe/", {"email": "s@example.org", "platform": "voice"}
        )
        for _ in range(4)
    ]
    assert [s.status_code for s in sub] == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="203.0.113.61")
    assert (
        other.post("/status/subscribe/", {"email": "s@example.org", "platform": "voice"}).status_code == 200
    )
    assert cache.get("nothing") is None


def test_the_desk_keeps_its_counters_in_a_shared_cache():
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["SECRET_KEY"] = "k" * 20 + "-shared-cache-test-key-0123456789abcdef"

    def backend(**extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout.strip().splitlines()[-1]

    assert backend() == "django.core.cache.backends.db.DatabaseCache"
    assert backend(REDIS_URL=REDIS) == "django.core.cache.backends.redis.RedisCache"
