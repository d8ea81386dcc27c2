"""/healthz answers without the database; /readyz names what is not ready, with 503."""

from __future__ import annotations

import pytest
import redis
from django.test import Client

from casedesk.ops import health


def test_healthz_is_alive_without_touching_the_database():
    response = Client().get("/healthz")  # no django_db mark: any query would fail the test
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_readyz_embedded_is_ready_with_tasks_in_process(settings):
    settings.CELERY_BROKER_URL = ""
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "none (tasks run in-process)"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"
    assert "Error" in body["checks"]["broker"]


@pytest.mark.django_db
def test_readyz_with_a_reachable_redis_broker(settings):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = url
    assert Client().get("/readyz").json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_names_migrations_not_applied(monkeypatch, settings):
    settings.CELERY_BROKER_URL = ""

    class Migration:
        app_label, name = "cases", "9999_future"

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [(Migration(), False)]
    )
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "1 migration(s) not applied: cases.9999_future" in response.json()["checks"]["database"]


@pytest.mark.django_db
def test_readyz_names_a_cache_that_keeps_nothing(settings):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert response.json()["checks"]["cache"] == "RuntimeError: the cache did not keep a value"


def test_readyz_takes_no_post():
    assert Client().post("/readyz").status_code == 405


def test_healthz_takes_no_post():
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200
