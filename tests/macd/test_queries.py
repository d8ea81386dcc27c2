"""The MACD queue and a request's live panel cost a fixed number of queries, however many
requests, approvers or time entries there are."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casedesk.macd import timesheet
from casedesk.rules.calendar import DENVER
from tests.macd.helpers import submit, world

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=DENVER), tick=False)
def test_queue_and_panel_queries_do_not_grow() -> None:
    w = world(rule="all", mpocs=3)
    tech = Client()
    tech.force_login(w.tech)
    dana = Client()
    dana.force_login(w.dana)
    first = submit(w.dana)
    few = (_queries(tech, "/console/queue/macd/"), _queries(dana, f"/portal/cases/{first.number}/macd/live/"))
    for _ in range(6):
        submit(w.dana)
    others = world()
    approved = submit(others.dana)
    for minutes in range(1, 8):
        timesheet.log_time(approved, by=others.tech, minutes=minutes, note="work")
    many = (
        _queries(tech, "/console/queue/macd/"),
        _queries(dana, f"/portal/cases/{first.number}/macd/live/"),
    )
    assert many == few
    odana = Client()
    odana.force_login(others.dana)
    assert _queries(odana, f"/portal/cases/{approved.number}/macd/live/") == few[1]
    assert few[1] <= 12
