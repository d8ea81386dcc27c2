"""/metrics: off without a token, 401 without the right bearer token, and the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from casedesk.core import clock
from casedesk.mail.models import InboundMessage
from casedesk.ops import metrics
from casedesk.outbox import delivery
from casedesk.sla.models import Breach
from tests.factories import make_case

TOKEN = "metrics-token-for-tests-0123456789"


def scrape(**headers: str):
    return Client().get("/metrics", headers=headers)


def test_off_without_a_token(settings):
    settings.CASEDESK_METRICS_TOKEN = ""
    assert scrape(Authorization="Bearer ").status_code == 404


@pytest.mark.parametrize("given", [None, "", f"Bearer {TOKEN}x", f"bearer{TOKEN}", TOKEN, f"Basic {TOKEN}"])
def test_refused_without_the_bearer_token(settings, given):
    settings.CASEDESK_METRICS_TOKEN = TOKEN
    response = scrape(**({"Authorization": given} if given is not None else {}))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_the_figures(settings):
    settings.CASEDESK_METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = ""
    now = clock.now()
    case = make_case()
    Breach.objects.create(
        case=case, clock="first_response", priority="P2", due=now, until=now, late=timedelta(0), ongoing=True
    )
    late = delivery.build(kind="t", to="a@example.net", subject="s", text="x")
    late.next_attempt_at = now - timedelta(seconds=90)
    late.save()
    InboundMessage.objects.create(
        received_at=now, source="smtp", raw=b"x", size=1, fingerprint="f1", state="done", outcome="created"
    )
    cache.delete(metrics.SNAPSHOT_KEY)
    Client().get("/healthz")
    response = scrape(Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'casedesk_http_request_duration_seconds_count{method="GET",route="healthz",status="200"}' in text
    assert 'casedesk_sla_breaches_total{priority="P2"} 1.0' in text
    assert 'casedesk_intake_messages_total{outcome="created",state="done"} 1.0' in text
    assert 'casedesk_webhook_deliveries{state="failed"} 0.0' in text
    pending = [
        line for line in text.splitlines() if line.startswith('casedesk_outbox_messages{state="pending"}')
    ]
    assert pending and float(pending[0].split()[-1]) >= 1
    lag = next(line for line in text.splitlines() if line.startswith("casedesk_outbox_lag_seconds "))
    assert float(lag.split()[-1]) >= 90


@pytest.mark.django_db
def test_database_figures_are_counted_once_per_interval(settings, django_assert_num_queries):
    settings.CASEDESK_METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = ""
    cache.delete(metrics.SNAPSHOT_KEY)
    scrape(Authorization=f"Bearer {TOKEN}")
    with django_assert_num_queries(0):
        assert scrape(Authorization=f"Bearer {TOKEN}").status_code == 200


def test_unmatched_paths_share_one_label():
    Client().get("/no/such/path/anywhere")
    sample = metrics.REQUEST_SECONDS.labels("unmatched", "GET", "404")
    assert sample._sum.get() > 0  # one bounded label for every unknown path
