from __future__ import annotations

import os

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _test_settings(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Real hashing costs ~0.3 s a user; the hasher is Django's concern, not ours.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Never the network's DNS: a test that checks senders installs its own answers.
    settings.CASEDESK_MAIL_DNS = "none"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; one test's failures must not block the next.
    from django.core.cache import cache

    from casedesk.branding import brands
    from casedesk.outbox import delivery, stencils
    from casedesk.sla import config as sla_config

    cache.clear()
    delivery._ZONES.clear()  # organisations' clocks remembered for e-mails; ids recur
    brands.forget()  # and their brands
    stencils.forget()  # notices rendered once per shape; a test may change what they read
    # The calendars and policies are kept a minute; a test database flushed since (a
    # transactional test) sends no signal, so one test's calendars would serve the next.
    sla_config.invalidate()
    yield
    cache.clear()
    sla_config.invalidate()


@pytest.fixture(autouse=True)
def _force_login_signs_in_fully(monkeypatch):
    """`force_login` skips authentication, both of its factors: a staff member who must
    have a second factor gets one and a verified session. Tests of the second factor
    itself sign in through the pages (or `Client.login`, the password alone)."""
    from django.test import Client

    from tests.twofactor import complete_sign_in

    password_only = Client.force_login

    def force_login(self, user, backend=None):
        password_only(self, user, backend)
        complete_sign_in(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def pytest_configure(config):
    # Live-server and worker threads open their own connections; none may outlive a test,
    # or PostgreSQL refuses to drop the test database at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    os.environ["CASEDESK_MAIL_DNS"] = "none"  # and none for the commands tests start


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if ("postgres" in item.keywords or "distributed" in item.keywords) and not on_postgres():
            item.add_marker(skip_pg)
