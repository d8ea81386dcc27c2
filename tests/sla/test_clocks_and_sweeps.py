"""SLA clocks on real cases, and the sweeps that close, wake and escalate, on a moved clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases import actions
from casedesk.cases.models import Case, Channel
from casedesk.core.sweeps import run_all
from casedesk.escalation import sweeps
from casedesk.outbox.models import OutboundMessage
from casedesk.sla.models import Breach
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def notices(kind: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind=kind))


def test_customer_case_gets_p4_deadline_on_the_business_calendar():
    # Friday 2027-01-15 16:55 MT, before Martin Luther King Jr. Day: due Tuesday 16:55.
    with time_machine.travel(mt(2027, 1, 15, 16, 55), tick=False):
        case = make_case()
    assert case.first_response_due == mt(2027, 1, 19, 16, 55)
    assert case.next_due_at == case.first_response_due
    stored = Case.objects.get(pk=case.pk)
    assert stored.first_response_due == mt(2027, 1, 19, 16, 55)


def test_first_reply_meets_the_response_clock_and_starts_the_update_clock():
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        case = make_case()
        case = actions.disposition(case, by=staff, priority="P2", team=None, assignee=staff)
    assert case.first_response_due == mt(2026, 11, 24, 9, 30)  # 30 minutes, 24x7
    with time_machine.travel(mt(2026, 11, 24, 9, 20), tick=False):
        actions.add_comment(case, by=staff, body="Looking")
    case.refresh_from_db()
    assert case.first_response_due is None and case.first_responded_at == mt(2026, 11, 24, 9, 20)
    assert case.next_update_due == mt(2026, 11, 24, 11, 20) == case.next_due_at


def test_waiting_customer_closes_no_response_exactly_two_business_days_later_with_one_notice():
    staff = StaffFactory()
    user = customer()
    with time_machine.travel(mt(2026, 11, 23, 10, 0), tick=False):  # Monday
        case = make_case(by=user)
        actions.add_comment(case, by=staff, body="Can you send a trace?", asks_customer=True)
    case.refresh_from_db()
    assert case.auto_close_at == mt(2026, 11, 25, 10, 0)
    assert case.close_warning_at == mt(2026, 11, 24, 10, 0)
    assert case.sla_paused
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):  # told a business day before
        assert sweeps.warn_no_response(mt(2026, 11, 24, 10, 0)) == 1
    with time_machine.travel(mt(2026, 11, 25, 9, 59), tick=False):
        assert sweeps.close_no_response(mt(2026, 11, 25, 9, 59)) == 0
    with time_machine.travel(mt(2026, 11, 25, 10, 0), tick=False):
        assert sweeps.close_no_response(mt(2026, 11, 25, 10, 0)) == 1
        assert sweeps.close_no_response(mt(2026, 11, 25, 10, 0)) == 0
        run_all()
    case.refresh_from_db()
    assert case.status == "closed_no_response" and case.auto_close_at is None
    sent = notices("no_response")
    assert len(sent) == 1 and sent[0].to == case.contact.email and case.number in sent[0].subject


def test_a_customer_reply_stops_the_count_and_puts_a_resolution_back_in_progress():
    staff = StaffFactory()
    user = customer()
    with time_machine.travel(mt(2026, 11, 23, 10, 0), tick=False):
        case = make_case(by=user)
        actions.transition(case, to="resolved_follow_up", by=staff, note="Fixed, please confirm")
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):
        actions.add_comment(case, by=user, body="Still checking")
    case.refresh_from_db()
    assert case.auto_close_at is None and case.status == "in_progress"
    with time_machine.travel(mt(2026, 11, 30, 10, 0), tick=False):
        run_all()
    case.refresh_from_db()
    assert case.status == "in_progress" and not notices("no_response")


def test_on_hold_wakes_at_its_time_and_tells_the_assignee_once():
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        case = make_case()
        actions.disposition(case, by=staff, priority="P3", team=None, assignee=staff)
        held = actions.transition(case, to="on_hold", by=staff, hold_until=mt(2026, 11, 24, 15, 0))
    # P3: 4 business hours, none used before the hold; 15:00-17:00, then 08:00-10:00.
    assert held.first_response_due == mt(2026, 11, 25, 10, 0) and held.sla_paused
    with time_machine.travel(mt(2026, 11, 24, 14, 59), tick=False):
        assert sweeps.wake_on_hold(mt(2026, 11, 24, 14, 59)) == 0
    with time_machine.travel(mt(2026, 11, 24, 15, 0), tick=False):
        assert sweeps.wake_on_hold(mt(2026, 11, 24, 15, 0)) == 1
        assert sweeps.wake_on_hold(mt(2026, 11, 24, 15, 0)) == 0
    case.refresh_from_db()
    assert case.status == "in_progress" and case.on_hold_until is None
    woken = notices("hold_woken")
    assert len(woken) == 1 and woken[0].to == staff.email
    assert case.events.last().actor_kind == "system"


def _p1_case():
    manager = StaffFactory()
    team = TeamFactory(manager=manager)
    tech = StaffFactory()
    org = OrganisationFactory()
    mpoc = ContactFactory(organisation=org)
    case = actions.open_case(
        by=tech,
        contact=mpoc,
        title="Site down",
        channel=Channel.PHONE,
        priority="P1",
        team=team,
        assignee=tech,
    )
    return case, tech, manager


def test_warning_at_80_percent_and_breach_notify_once_even_when_swept_twice():
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):  # Tuesday, office hours
        case, tech, manager = _p1_case()
    assert case.next_alert_at == mt(2026, 11, 24, 10, 12)
    for minute in (11, 12, 12, 15, 15, 16):
        with time_machine.travel(mt(2026, 11, 24, 10, minute), tick=False):
            run_all()
    warn, breach = notices("sla_warn"), notices("sla_breach")
    assert [m.to for m in warn] == [tech.email]
    assert [m.to for m in breach] == [manager.email]  # in office hours: no on-call page
    with time_machine.travel(mt(2026, 11, 24, 10, 20), tick=False):
        actions.add_comment(case, by=tech, body="Engineer on site")
    recorded = Breach.objects.get(case=case)
    assert (recorded.clock, recorded.late, recorded.ongoing) == (
        "first_response",
        timedelta(minutes=5),
        False,
    )


def test_p1_breach_out_of_hours_pages_the_on_call_manager():
    with time_machine.travel(mt(2026, 11, 28, 3, 0), tick=False):  # Saturday night
        _, _, manager = _p1_case()
    with time_machine.travel(mt(2026, 11, 28, 3, 16), tick=False):
        run_all()
    assert sorted(m.to for m in notices("sla_breach")) == sorted([manager.email, "oncall@example.com"])


def test_sweep_queries_do_not_grow_with_the_open_cases():
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):
        user = customer()
        for _ in range(3):
            make_case(by=user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            for fn in (
                sweeps.wake_on_hold,
                sweeps.warn_no_response,
                sweeps.close_no_response,
                sweeps.sla_alerts,
            ):
                fn(mt(2026, 11, 24, 10, 5))
        return len(ctx.captured_queries)

    few = count()
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):
        for _ in range(40):
            make_case(by=user)
    assert count() == few == 4  # one indexed range query each; nothing is due yet


def test_the_alert_sweep_takes_due_cases_together():
    """Warnings for 5 or 25 due cases: the same statements (the cases locked and read
    together, their clocks and notices written with one statement each)."""
    tech = StaffFactory()
    mpoc = ContactFactory(organisation=OrganisationFactory())

    def due(count: int, day: int) -> int:
        Case.objects.update(next_alert_at=None)  # the earlier ones are out of the way
        with time_machine.travel(mt(2026, 11, day, 10, 0), tick=False):
            for n in range(count):
                actions.open_case(
                    by=tech, contact=mpoc, title=f"{n}", channel=Channel.PHONE, priority="P1", assignee=tech
                )
        at = mt(2026, 11, day, 10, 13)
        with CaptureQueriesContext(connection) as ctx, time_machine.travel(at, tick=False):
            assert sweeps.sla_alerts(at) == count
        return len(ctx.captured_queries)

    assert due(5, 24) == due(25, 25)
    assert OutboundMessage.objects.filter(kind="sla_warn", to=tech.email).count() == 30
    assert Case.objects.filter(alerted_through__isnull=True).count() == 0


def test_an_alert_already_queued_costs_no_statement_of_its_own():
    """Cases made due again for an alert whose notice is already in the outbox (its dedupe
    key taken): the sweep queues nothing twice, with the statements of a first run, not one
    savepoint and insert per notice."""
    tech = StaffFactory()
    mpoc = ContactFactory(organisation=OrganisationFactory())
    with time_machine.travel(mt(2026, 11, 24, 10, 0), tick=False):
        cases = [
            actions.open_case(
                by=tech, contact=mpoc, title=f"{n}", channel=Channel.PHONE, priority="P1", assignee=tech
            )
            for n in range(12)
        ]
    at = mt(2026, 11, 24, 10, 13)

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx, time_machine.travel(at, tick=False):
            sweeps.sla_alerts(at)
        return len(ctx.captured_queries), OutboundMessage.objects.filter(kind="sla_warn").count()

    first = run()
    Case.objects.filter(pk__in=[c.pk for c in cases[:9]]).update(next_alert_at=at, alerted_through=None)
    again = run()
    assert first == (again[0], 12) and again[1] == 12


def test_hold_and_no_response_sweeps_take_due_cases_together():
    """Waking 3 or 12 held cases, warning and closing 3 or 12 silent ones: the same statements, and each
    case's timeline, clocks and notice as when they are taken one at a time."""
    staff = StaffFactory()
    user = customer()

    def sweep(count: int, monday: int) -> tuple[int, int, int]:
        with time_machine.travel(mt(2026, 11, monday, 9, 0), tick=False):
            held = [make_case(by=user) for _ in range(count)]
            silent = [make_case(by=user) for _ in range(count)]
            for case in held:
                actions.disposition(case, by=staff, priority="P3", team=None, assignee=staff)
                actions.transition(case, to="on_hold", by=staff, hold_until=mt(2026, 11, monday, 15, 0))
            for case in silent:
                actions.add_comment(case, by=staff, body="A trace, please?", asks_customer=True)
        counts = []
        for fn, at in (
            (sweeps.wake_on_hold, mt(2026, 11, monday, 15, 0)),
            (sweeps.warn_no_response, mt(2026, 11, monday + 1, 9, 0)),
            (sweeps.close_no_response, mt(2026, 11, monday + 2, 9, 0)),
        ):
            with CaptureQueriesContext(connection) as ctx, time_machine.travel(at, tick=False):
                assert fn(at) == count
            counts.append(len(ctx.captured_queries))
        for case in held:
            case.refresh_from_db()
            assert case.status == "in_progress" and case.on_hold_until is None and case.next_due_at
        for case in silent:
            case.refresh_from_db()
            assert case.status == "closed_no_response" and case.closed_at == mt(2026, 11, monday + 2, 9, 0)
            assert case.auto_close_at is None and case.next_due_at is None
            assert case.events.last().actor_kind == "system"
        return counts[0], counts[1], counts[2]

    assert sweep(3, 16) == sweep(12, 23)
    assert OutboundMessage.objects.filter(kind="hold_woken").count() == 15
    assert OutboundMessage.objects.filter(kind="no_response").count() == 15


def test_vendor_targets_apply_while_the_vendor_is_attached():
    from casedesk.sla.models import Calendar, Policy

    always = Calendar.objects.get(key="24x7")
    Policy.objects.create(
        priority="P2",
        vendor="CarrierCo",
        response_minutes=240,
        response_calendar=always,
        update_minutes=480,
        update_calendar=always,
    )
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        case = make_case()
        case = actions.disposition(case, by=staff, priority="P2", team=None, assignee=staff)
        assert case.first_response_due == mt(2026, 11, 24, 9, 30)
        case = actions.update_details(case, by=staff, vendor="CarrierCo", vendor_ticket="CC-1")
    assert case.first_response_due == mt(2026, 11, 24, 13, 0)
    with time_machine.travel(mt(2026, 11, 24, 9, 5), tick=False):
        case = actions.update_details(case, by=staff, vendor="")
    assert case.first_response_due == mt(2026, 11, 24, 9, 30)


def test_an_etr_replaces_the_update_clock():
    staff = StaffFactory()
    with time_machine.travel(mt(2026, 11, 24, 9, 0), tick=False):
        case = make_case()
        case = actions.disposition(case, by=staff, priority="P1", team=None, assignee=staff)
        actions.add_comment(case, by=staff, body="Engineer dispatched")
        case = actions.update_details(case, by=staff, etr=mt(2026, 11, 24, 18, 0))
    case.refresh_from_db()
    assert case.next_update_due is None and case.next_due_at == mt(2026, 11, 24, 18, 0)
