"""Closed No Response is announced first (SPEC §4): the customer is told one business day
before, then at closure; the warning is a stored, indexed deadline and is sent once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core.sweeps import REGISTRY, run_all
from casedesk.escalation import sweeps
from casedesk.outbox.models import OutboundMessage
from tests.factories import StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def asked_on_monday() -> Case:
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 16, 10, 0), tick=False):  # Monday
        case = make_case(by=customer())
        actions.add_comment(case, by=staff, body="Can you send a trace?", asks_customer=True)
    case.refresh_from_db()
    return case


def sweep(fn, at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return fn(at)


def test_the_customer_is_warned_a_business_day_before_and_then_told_at_closure():
    case = asked_on_monday()
    assert case.close_warning_at == mt(2026, 11, 17, 10, 0)
    assert case.auto_close_at == mt(2026, 11, 18, 10, 0)

    assert sweep(sweeps.warn_no_response, mt(2026, 11, 17, 9, 59)) == 0
    assert sweep(sweeps.warn_no_response, mt(2026, 11, 17, 10, 0)) == 1
    assert sweep(sweeps.warn_no_response, mt(2026, 11, 17, 10, 0)) == 0  # once
    with time_machine.travel(mt(2026, 11, 17, 10, 1), tick=False):
        run_all()
    warning = OutboundMessage.objects.get(kind="no_response_warning")
    assert warning.to == case.contact.email
    assert f"We will close {case.number}" in warning.text and "Wed 18 Nov 2026, 10:00 MST" in warning.text
    assert warning.dedupe_key and warning.dedupe_key.startswith(f"close-warning-{case.pk}-")
    case.refresh_from_db()
    assert case.close_warning_at is None and case.auto_close_at == mt(2026, 11, 18, 10, 0)
    assert case.status == "in_progress"
    entry = case.events.last()
    assert (entry.actor_kind, entry.public) == ("system", True)
    assert "close_warning" in entry.changes

    assert sweep(sweeps.close_no_response, mt(2026, 11, 18, 9, 59)) == 0
    assert sweep(sweeps.close_no_response, mt(2026, 11, 18, 10, 0)) == 1
    case.refresh_from_db()
    assert case.status == "closed_no_response"
    assert OutboundMessage.objects.filter(kind="no_response").count() == 1
    assert OutboundMessage.objects.filter(kind="no_response_warning").count() == 1


def test_no_closure_without_the_warning_first():
    case = asked_on_monday()
    # The sweeps were down on Tuesday: on Wednesday the closure waits for the warning...
    assert sweep(sweeps.close_no_response, mt(2026, 11, 18, 10, 0)) == 0
    assert sweep(sweeps.warn_no_response, mt(2026, 11, 18, 11, 0)) == 1
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert case.auto_close_at == mt(2026, 11, 19, 11, 0)  # a business day after the warning
    warning = OutboundMessage.objects.get(kind="no_response_warning")
    assert "Thu 19 Nov 2026, 11:00 MST" in warning.text
    assert sweep(sweeps.close_no_response, mt(2026, 11, 19, 10, 59)) == 0
    assert sweep(sweeps.close_no_response, mt(2026, 11, 19, 11, 0)) == 1


def test_an_answer_after_the_warning_keeps_the_case_open():
    case = asked_on_monday()
    sweep(sweeps.warn_no_response, mt(2026, 11, 17, 10, 0))
    with time_machine.travel(mt(2026, 11, 17, 15, 0), tick=False):
        actions.add_comment(case, by=case.contact.user, body="Trace attached.")
    case.refresh_from_db()
    assert case.auto_close_at is None and case.close_warning_at is None
    assert sweep(sweeps.close_no_response, mt(2026, 11, 25, 10, 0)) == 0
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_the_warning_sweep_is_one_indexed_range_query_and_runs_before_the_closure():
    assert "case_close_warning" in {index.name for index in Case._meta.indexes}
    names = list(REGISTRY)
    assert names.index("warn_no_response") < names.index("close_no_response")
    for _ in range(5):
        asked_on_monday()
    with CaptureQueriesContext(connection) as ctx:
        assert sweeps.warn_no_response(mt(2026, 11, 17, 9, 0)) == 0
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert "close_warning_at" in sql


def test_warning_several_cases_costs_the_same_statements():
    def warn(count: int, monday: int) -> int:
        staff = StaffFactory()
        with time_machine.travel(mt(2026, 11, monday, 10, 0), tick=False):
            for _ in range(count):
                case = make_case(by=customer())
                actions.add_comment(case, by=staff, body="A trace?", asks_customer=True)
        at = mt(2026, 11, monday + 1, 10, 0)
        with CaptureQueriesContext(connection) as ctx, time_machine.travel(at, tick=False):
            assert sweeps.warn_no_response(at) == count
        return len(ctx.captured_queries)

    assert warn(3, 2) == warn(9, 9)
