"""SLA clocks replayed from a case's history: hand-computed deadlines for the plan's policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.rules.calendar import DENVER, STANDARD, TWENTY_FOUR_SEVEN, default_calendars
from casedesk.rules.lifecycle import Status
from casedesk.rules.sla import (
    DEFAULT_POLICIES,
    Breach,
    Clock,
    Event,
    EventKind,
    PauseReason,
    Policies,
    Policy,
    Priority,
    Target,
    deadline_preview,
    deadlines,
)

MT = DENVER
M = timedelta(minutes=1)
H = timedelta(hours=1)
CALENDARS = default_calendars()
POLICIES = Policies()
P1, P2, P3, P4, P1G = Priority.P1, Priority.P2, Priority.P3, Priority.P4, Priority.P1G
CARRIER = "Carrier Co"
VENDOR_POLICIES = Policies(
    vendors={
        CARRIER: {
            P2: Policy(Target(TWENTY_FOUR_SEVEN, H), Target(TWENTY_FOUR_SEVEN, 4 * H)),
            P3: Policy(Target(STANDARD, business_days=1), Target(STANDARD, business_days=2)),
        }
    }
)


def mt(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MT)


# Monday 2027-01-11 is an ordinary week; Monday 2027-01-18 is MLK Day.
MON = mt(2027, 1, 11, 9)


def at(hours: float = 0, minutes: float = 0, base: datetime = MON) -> datetime:
    return base + timedelta(hours=hours, minutes=minutes)


def run(*events: Event, now: datetime, policies: Policies = POLICIES):
    return deadlines(list(events), policies, CALENDARS, now)


# -- the first response, per priority --------------------------------------------------------------

FIRST_RESPONSE = [
    # (priority, opened, due, why)
    (P1, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 10), "15 minutes, 24x7"),
    (P1, mt(2026, 3, 8, 1, 50), mt(2026, 3, 8, 3, 5), "15 real minutes across the DST jump"),
    (P2, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 25), "30 minutes, 24x7"),
    (P2, mt(2027, 1, 16, 23, 45), mt(2027, 1, 17, 0, 15), "weekends count on 24x7"),
    (P3, mt(2027, 1, 15, 16), mt(2027, 1, 19, 11), "1h on Friday, MLK Monday closed, 3h Tuesday"),
    (P3, mt(2027, 3, 12, 16), mt(2027, 3, 15, 11), "across the March 2027 jump"),
    (P3, mt(2026, 10, 30, 14, 30), mt(2026, 11, 2, 9, 30), "across the November 2026 change"),
    (P4, mt(2027, 1, 15, 16, 55), mt(2027, 1, 19, 16, 55), "the plan's Friday-before-a-holiday"),
    (P4, mt(2027, 1, 9, 10), mt(2027, 1, 11, 17), "the plan's Saturday"),
    (P1G, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 10), "master case, at least the P1 target"),
]


@pytest.mark.parametrize(
    ("priority", "opened", "due"), [row[:3] for row in FIRST_RESPONSE], ids=[row[3] for row in FIRST_RESPONSE]
)
def test_first_response_due(priority, opened, due):
    result = run(Event.opened(opened, priority), now=opened)
    assert result.first_response_due == due
    assert result.next_due == due
    assert result.first_response_met_at is None
    assert result.next_update_due is None  # only after the first response
    assert result.breaches == ()
    assert result.first_response_due.tzinfo is UTC


PREVIEW = [
    # (priority, opened, initial response due, first update due)
    (P1, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 10), mt(2027, 1, 15, 18, 10)),
    (P2, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 25), mt(2027, 1, 15, 19, 25)),
    # Tue 11:00 + 9 business hours: 6h Tuesday, 3h Wednesday.
    (P3, mt(2027, 1, 15, 16), mt(2027, 1, 19, 11), mt(2027, 1, 20, 11)),
    # Tue 16:55 + 18 business hours: Wednesday and Thursday.
    (P4, mt(2027, 1, 15, 16, 55), mt(2027, 1, 19, 16, 55), mt(2027, 1, 21, 16, 55)),
    (P1G, mt(2027, 1, 15, 16, 55), mt(2027, 1, 15, 17, 10), mt(2027, 1, 15, 18, 10)),
]


@pytest.mark.parametrize(("priority", "opened", "initial", "update"), PREVIEW, ids=[r[0] for r in PREVIEW])
def test_deadline_preview(priority, opened, initial, update):
    assert deadline_preview(priority, opened, POLICIES, CALENDARS) == (initial, update)


def test_deadline_preview_with_a_vendor():
    opened = mt(2027, 1, 15, 16, 55)
    assert deadline_preview(P2, opened, VENDOR_POLICIES, CALENDARS, vendor=CARRIER) == (
        mt(2027, 1, 15, 17, 55),
        mt(2027, 1, 15, 21, 55),
    )
    # The vendor has no P1 targets of its own: the defaults apply.
    assert deadline_preview(P1, opened, VENDOR_POLICIES, CALENDARS, vendor=CARRIER)[0] == mt(
        2027, 1, 15, 17, 10
    )


def test_default_policies_follow_the_plan():
    assert set(DEFAULT_POLICIES) == set(Priority)
    std = CALENDARS[STANDARD]
    assert DEFAULT_POLICIES[P3].initial_response.length(std) == 4 * H
    assert DEFAULT_POLICIES[P3].update_frequency.length(std) == 9 * H
    assert DEFAULT_POLICIES[P4].update_frequency.length(std) == 18 * H


# -- the update clock -------------------------------------------------------------------------------


def test_first_response_met_then_updates_run_from_each_public_update():
    history = [Event.opened(MON, P3), Event.staff_reply(at(0, 30))]
    result = run(*history, now=at(1))
    assert result.first_response_due is None
    assert result.first_response_met_at == at(0, 30)
    assert result.next_update_due == mt(2027, 1, 12, 9, 30)  # 1 business day
    assert result.next_due == result.next_update_due

    result = run(*history, Event.staff_reply(at(5)), now=at(6))
    assert result.next_update_due == mt(2027, 1, 12, 14)  # 3h Monday, 6h Tuesday


def test_customer_replies_do_not_move_the_update_clock():
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.customer_reply(at(0, 30))]
    assert run(*history, now=at(0, 40)).next_update_due == at(1, 10)


# -- breaches ----------------------------------------------------------------------------------------


def test_late_first_response_is_a_breach_with_its_lateness():
    result = run(Event.opened(MON, P2), Event.staff_reply(at(0, 45)), now=at(1))
    assert result.breaches == (Breach(Clock.FIRST_RESPONSE, at(0, 30), at(0, 45), 15 * M, ongoing=False),)
    assert not result.overdue
    assert result.next_update_due == at(2, 45)


def test_unanswered_case_is_overdue_until_answered():
    result = run(Event.opened(MON, P1), now=at(1))
    assert result.first_response_due == at(0, 15)
    assert result.next_due == at(0, 15)
    assert result.breaches == (Breach(Clock.FIRST_RESPONSE, at(0, 15), at(1), 45 * M, ongoing=True),)
    assert result.overdue


def test_missed_update_is_a_breach_and_the_next_update_runs_from_the_late_one():
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.staff_reply(at(1, 40))]
    result = run(*history, now=at(2))
    assert result.breaches == (Breach(Clock.UPDATE, at(1, 10), at(1, 40), 30 * M, ongoing=False),)
    assert result.next_update_due == at(2, 40)


def test_reply_exactly_on_the_deadline_is_in_time():
    result = run(Event.opened(MON, P1), Event.staff_reply(at(0, 15)), now=at(0, 20))
    assert result.breaches == ()


def test_business_hours_lateness_is_real_time():
    # P4 due Tuesday 16:55 (the plan's example); answered Wednesday 08:05.
    opened = mt(2027, 1, 15, 16, 55)
    result = run(Event.opened(opened, P4), Event.staff_reply(mt(2027, 1, 20, 8, 5)), now=mt(2027, 1, 20, 9))
    (breach,) = result.breaches
    assert breach.due == mt(2027, 1, 19, 16, 55)
    assert breach.late == timedelta(hours=15, minutes=10)


# -- pauses -------------------------------------------------------------------------------------------


def test_asking_the_customer_pauses_until_they_answer():
    history = [Event.opened(MON, P3), Event.staff_reply(at(0, 30), asks_customer=True)]
    result = run(*history, now=at(1))
    assert result.paused
    assert result.pause_reason == PauseReason.AWAITING_CUSTOMER
    assert result.paused_until is None
    assert result.next_update_due is None
    assert result.next_due is None

    # Paused 09:30-13:00: the 3.5 business hours move the deadline from Tue 09:30 to 13:00.
    result = run(*history, Event.customer_reply(at(4)), now=at(5))
    assert not result.paused
    assert result.next_update_due == mt(2027, 1, 12, 13)


def test_a_further_staff_update_ends_the_wait_for_the_customer():
    history = [
        Event.opened(MON, P1),
        Event.staff_reply(at(0, 10), asks_customer=True),
        Event.staff_reply(at(3)),
    ]
    result = run(*history, now=at(3, 30))
    assert not result.paused
    assert result.next_update_due == at(4)


def test_on_hold_pauses_until_its_time():
    hold_until = mt(2027, 1, 13, 8)  # Wednesday
    history = [Event.opened(MON, P4), Event.status_change(at(1), Status.ON_HOLD, hold_until=hold_until)]
    result = run(*history, now=at(3))
    assert result.paused
    assert result.pause_reason == PauseReason.ON_HOLD
    assert result.paused_until == hold_until
    # One business hour used before the hold; the other eight run from Wednesday 08:00.
    assert result.first_response_due == mt(2027, 1, 13, 16)
    assert result.next_due == mt(2027, 1, 13, 16)

    # The hold's time has come; the clock runs even before the case is woken.
    result = run(*history, now=mt(2027, 1, 13, 9))
    assert not result.paused
    assert result.first_response_due == mt(2027, 1, 13, 16)


def test_the_hold_counts_at_the_very_instant_it_starts():
    """Actions recompute the clocks with `now` equal to the On Hold event's time."""
    hold_until = mt(2027, 1, 13, 8)
    history = [Event.opened(MON, P4), Event.status_change(at(1), Status.ON_HOLD, hold_until=hold_until)]
    result = run(*history, now=at(1))
    assert result.paused and result.first_response_due == mt(2027, 1, 13, 16)


def test_taking_a_case_off_hold_early_resumes_the_clock_then():
    history = [
        Event.opened(MON, P4),
        Event.status_change(at(1), Status.ON_HOLD, hold_until=mt(2027, 1, 13, 8)),
        Event.status_change(mt(2027, 1, 12, 10), Status.IN_PROGRESS),
    ]
    # Eight business hours from Tuesday 10:00: seven on Tuesday, one on Wednesday.
    result = run(*history, now=mt(2027, 1, 12, 11))
    assert result.first_response_due == mt(2027, 1, 13, 9)


def test_shipping_pauses_the_update_clock():
    history = [
        Event.opened(MON, P3),
        Event.staff_reply(at(0, 30)),
        Event.status_change(at(2), Status.SHIPPING),
    ]
    result = run(*history, now=at(3))
    assert result.paused
    assert result.pause_reason == PauseReason.SHIPPING
    assert result.next_update_due is None

    # Delivered Wednesday 09:00: 1.5 business hours were used, 7.5 remain.
    result = run(
        *history, Event.status_change(mt(2027, 1, 13, 9), Status.IN_PROGRESS), now=mt(2027, 1, 13, 9)
    )
    assert result.next_update_due == mt(2027, 1, 13, 16, 30)


def test_resolved_waits_for_the_customer():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 5)),
        Event.status_change(at(1), Status.RESOLVED),
    ]
    result = run(*history, now=at(5))
    assert result.paused
    assert result.pause_reason == PauseReason.AWAITING_CUSTOMER
    assert result.breaches == ()

    # "Not fixed": back to work with the 65 minutes that were left at 10:00.
    result = run(*history, Event.status_change(at(6), Status.IN_PROGRESS), now=at(6))
    assert result.next_update_due == at(7, 5)


def test_pause_reported_by_precedence():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 5), asks_customer=True),
        Event.status_change(at(1), Status.ON_HOLD, hold_until=at(3)),
    ]
    result = run(*history, now=at(2))
    assert result.pause_reason == PauseReason.ON_HOLD
    # The customer has not answered: the clock stays paused after the hold ends.
    assert result.paused_until is None
    assert result.next_update_due is None
    result = run(*history, now=at(4))
    assert result.pause_reason == PauseReason.AWAITING_CUSTOMER


def test_an_overdue_clock_stays_overdue_while_paused():
    history = [Event.opened(MON, P1), Event.status_change(at(1), Status.SHIPPING)]
    result = run(*history, now=at(2))
    assert result.paused
    assert result.first_response_due == at(0, 15)
    assert result.breaches == (Breach(Clock.FIRST_RESPONSE, at(0, 15), at(2), 105 * M, ongoing=True),)


# -- ETR ----------------------------------------------------------------------------------------------


def test_an_etr_replaces_the_update_clock():
    history = [Event.opened(MON, P2), Event.staff_reply(at(0, 10)), Event.etr_set(at(1), at(6))]
    result = run(*history, now=at(2))
    assert result.next_update_due is None
    assert result.etr == at(6)
    assert result.next_due == at(6)
    assert result.breaches == ()

    result = run(*history, now=at(7))
    assert result.breaches == (Breach(Clock.ETR, at(6), at(7), H, ongoing=True),)


def test_resolving_by_the_etr_meets_it():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 10)),
        Event.etr_set(at(1), at(6)),
        Event.status_change(at(5), Status.RESOLVED),
    ]
    result = run(*history, now=at(8))
    assert result.etr is None
    assert result.breaches == ()
    assert result.paused


def test_resolving_after_the_etr_is_late():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 10)),
        Event.etr_set(at(1), at(6)),
        Event.status_change(at(6, 30), Status.RESOLVED),
    ]
    assert run(*history, now=at(8)).breaches == (Breach(Clock.ETR, at(6), at(6, 30), 30 * M, ongoing=False),)


def test_withdrawing_the_etr_restarts_scheduled_updates():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 10)),
        Event.etr_set(at(1), at(6)),
        Event.etr_set(at(3), None),
    ]
    result = run(*history, now=at(4))
    assert result.etr is None
    assert result.next_update_due == at(5)


def test_a_new_etr_given_after_the_old_one_passed_records_the_miss():
    history = [
        Event.opened(MON, P2),
        Event.staff_reply(at(0, 10)),
        Event.etr_set(at(1), at(6)),
        Event.etr_set(at(7), at(10)),
    ]
    result = run(*history, now=at(8))
    assert result.etr == at(10)
    assert result.breaches == (Breach(Clock.ETR, at(6), at(7), H, ongoing=False),)


def test_an_etr_answers_an_update_that_was_due():
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.etr_set(at(1), at(9))]
    result = run(*history, now=at(2))
    assert result.breaches == ()


# -- vendors ---------------------------------------------------------------------------------------


def test_vendor_targets_apply_while_the_vendor_is_attached():
    result = run(Event.opened(MON, P2, vendor=CARRIER), now=MON, policies=VENDOR_POLICIES)
    assert result.first_response_due == at(1)
    assert result.vendor == CARRIER

    history = [Event.opened(MON, P2), Event.staff_reply(at(0, 10)), Event.vendor_change(at(1), CARRIER)]
    assert run(*history, now=at(1), policies=VENDOR_POLICIES).next_update_due == at(4, 10)
    detached = [*history, Event.vendor_change(at(1, 30), None)]
    assert run(*detached, now=at(1, 30), policies=VENDOR_POLICIES).next_update_due == at(2, 10)


def test_vendor_without_targets_for_the_priority_keeps_the_defaults():
    result = run(Event.opened(MON, P4, vendor=CARRIER), now=MON, policies=VENDOR_POLICIES)
    assert result.first_response_due == mt(2027, 1, 12, 9)


def test_vendor_business_day_targets():
    result = run(Event.opened(MON, P3, vendor=CARRIER), now=MON, policies=VENDOR_POLICIES)
    assert result.first_response_due == mt(2027, 1, 12, 9)


# -- priority changes ---------------------------------------------------------------------------------


def test_raising_the_priority_retargets_the_running_clock_from_its_start():
    history = [Event.opened(MON, P4), Event.priority_change(at(0, 20), P1)]
    result = run(*history, now=at(0, 20))
    assert result.priority == P1
    assert result.first_response_due == at(0, 15)
    assert result.breaches == (Breach(Clock.FIRST_RESPONSE, at(0, 15), at(0, 20), 5 * M, ongoing=True),)


def test_lowering_the_priority_gives_the_longer_target():
    history = [Event.opened(MON, P2), Event.priority_change(at(0, 10), P4)]
    assert run(*history, now=at(0, 40)).first_response_due == mt(2027, 1, 12, 9)
    # Disposition of a portal case: P4 until staff set P3 after an hour.
    history = [Event.opened(MON, P4), Event.priority_change(at(1), P3)]
    assert run(*history, now=at(1)).first_response_due == at(4)


def test_a_met_first_response_keeps_the_priority_it_was_met_under():
    history = [Event.opened(MON, P4), Event.staff_reply(at(2)), Event.priority_change(at(3), P2)]
    result = run(*history, now=at(3))
    assert result.first_response_met_at == at(2)
    # The update clock is running: it takes the P2 target from the last update.
    assert result.next_update_due == at(4)
    assert result.breaches == ()


def test_priority_change_moves_a_clock_to_the_new_calendar():
    # P2 opened Friday evening, lowered to P3: 4 business hours from the opening.
    opened = mt(2027, 1, 8, 18)
    history = [Event.opened(opened, P2), Event.priority_change(opened + 10 * M, P3)]
    assert run(*history, now=opened + 20 * M).first_response_due == mt(2027, 1, 11, 12)


# -- closure ------------------------------------------------------------------------------------------


def test_closed_statuses_stop_every_clock():
    history = [
        Event.opened(MON, P1),
        Event.staff_reply(at(0, 10)),
        Event.status_change(at(0, 30), Status.CLOSED),
    ]
    result = run(*history, now=at(5))
    assert result.stopped
    assert not result.paused
    assert (result.first_response_due, result.next_update_due, result.etr, result.next_due) == (None,) * 4
    assert result.breaches == ()


def test_closing_late_records_the_breach_up_to_the_closure():
    history = [Event.opened(MON, P1), Event.status_change(at(1), Status.DUPLICATE)]
    result = run(*history, now=at(5))
    assert result.breaches == (Breach(Clock.FIRST_RESPONSE, at(0, 15), at(1), 45 * M, ongoing=False),)
    assert result.next_due is None


def test_reopening_restarts_the_update_clock():
    history = [
        Event.opened(MON, P1),
        Event.staff_reply(at(0, 10)),
        Event.status_change(at(0, 30), Status.CLOSED),
        Event.status_change(at(20), Status.CUSTOMER_REOPENED),
    ]
    result = run(*history, now=at(20))
    assert not result.stopped
    assert result.next_update_due == at(21)
    assert result.breaches == ()


def test_a_first_response_still_owed_resumes_when_reopened():
    history = [
        Event.opened(MON, P2),
        Event.status_change(at(0, 10), Status.CLOSED),
        Event.status_change(at(3), Status.IN_PROGRESS),
    ]
    assert run(*history, now=at(3)).first_response_due == at(3, 20)


# -- the history itself -----------------------------------------------------------------------------


def test_history_is_replayed_in_time_order_and_only_up_to_now():
    history = [Event.staff_reply(at(0, 10)), Event.opened(MON, P1), Event.staff_reply(at(5))]
    result = deadlines(history, POLICIES, CALENDARS, at(0, 30))
    assert result.first_response_met_at == at(0, 10)
    assert result.next_update_due == at(1, 10)


def test_history_must_start_with_the_opening():
    with pytest.raises(ValueError, match="opening"):
        deadlines([Event.staff_reply(MON)], POLICIES, CALENDARS, at(1))
    with pytest.raises(ValueError, match="opened once"):
        deadlines([Event.opened(MON, P1), Event.opened(at(1), P2)], POLICIES, CALENDARS, at(2))


def test_events_are_checked():
    with pytest.raises(ValueError, match="aware"):
        Event.customer_reply(datetime(2027, 1, 11, 9))
    with pytest.raises(ValueError, match="priority"):
        Event(MON, EventKind.OPENED)
    with pytest.raises(ValueError, match="negative"):
        Target(STANDARD, -H)
    with pytest.raises(ValueError, match="not configured"):
        Target("nowhere", H).due(MON, CALENDARS)


def test_event_times_are_kept_in_utc_so_the_repeated_hour_orders_correctly():
    # 01:50 MDT, then 01:05 MST (fold=1) on the night clocks go back: 15 minutes later.
    opened = datetime(2026, 11, 1, 1, 50, tzinfo=MT)
    reply = datetime(2026, 11, 1, 1, 5, tzinfo=MT, fold=1)
    result = run(Event.opened(opened, P1), Event.staff_reply(reply), now=reply + H)
    assert result.first_response_met_at == reply.astimezone(UTC)  # fold=1 never equals across zones
    assert result.breaches == ()
    assert result.next_update_due == datetime(2026, 11, 1, 9, 5, tzinfo=UTC)


# -- any history -------------------------------------------------------------------------------------

minutes_after = st.integers(min_value=0, max_value=4 * 24 * 60)


@st.composite
def event_at(draw, offset: int) -> Event:
    when = at(minutes=offset)
    kind = draw(st.sampled_from(list(EventKind)[1:]))
    if kind == EventKind.PUBLIC_STAFF_REPLY:
        return Event.staff_reply(when, asks_customer=draw(st.booleans()))
    if kind == EventKind.CUSTOMER_REPLY:
        return Event.customer_reply(when)
    if kind == EventKind.STATUS_CHANGE:
        status = draw(st.sampled_from(list(Status)))
        hold = when + timedelta(minutes=draw(minutes_after)) if status == Status.ON_HOLD else None
        return Event.status_change(when, status, hold_until=hold)
    if kind == EventKind.PRIORITY_CHANGE:
        return Event.priority_change(when, draw(st.sampled_from(list(Priority))))
    if kind == EventKind.VENDOR_CHANGE:
        return Event.vendor_change(when, draw(st.sampled_from([None, CARRIER])))
    etr = draw(st.none() | minutes_after.map(lambda m: when + timedelta(minutes=m)))
    return Event.etr_set(when, etr)


@st.composite
def histories(draw) -> list[Event]:
    offsets = sorted(draw(st.lists(minutes_after, max_size=12)))
    opening = Event.opened(
        MON, draw(st.sampled_from(list(Priority))), vendor=draw(st.sampled_from([None, CARRIER]))
    )
    return [opening, *(draw(event_at(offset)) for offset in offsets)]


@settings(max_examples=200, deadline=None)
@given(histories(), minutes_after)
def test_any_history_gives_consistent_deadlines(history, now_offset):
    result = deadlines(history, VENDOR_POLICIES, CALENDARS, at(minutes=now_offset))
    shown = [d for d in (result.first_response_due, result.next_update_due, result.etr) if d is not None]
    assert result.next_due == (min(shown) if shown else None)
    for breach in result.breaches:
        assert breach.late == breach.until - breach.due > timedelta(0)
    if result.stopped:
        assert not shown
        assert not result.paused
    if result.first_response_met_at is not None:
        assert result.first_response_due is None
    if result.etr is not None:
        assert result.next_update_due is None
    assert result.paused == (result.pause_reason is not None)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(Priority)), minutes_after, minutes_after, minutes_after)
def test_a_pause_never_brings_a_deadline_forward(priority, pause_at, pause_for, now_offset):
    opened = Event.opened(MON, priority)
    pause = [
        Event.status_change(at(minutes=pause_at), Status.SHIPPING),
        Event.status_change(at(minutes=pause_at + pause_for), Status.IN_PROGRESS),
    ]
    now = at(minutes=pause_at + pause_for + now_offset)
    plain = deadlines([opened], POLICIES, CALENDARS, now)
    paused = deadlines([opened, *pause], POLICIES, CALENDARS, now)
    assert plain.first_response_due is not None
    assert paused.first_response_due is not None
    assert paused.first_response_due >= plain.first_response_due


# -- "hourly, or as requested": a requested update interval ----------------------------------------


def test_a_requested_interval_shorter_than_the_policy_is_what_the_update_clock_follows():
    history = [
        Event.opened(MON, P1),
        Event.staff_reply(at(0, 10)),
        Event.update_interval(at(0, 20), 30 * M),
    ]
    result = run(*history, now=at(0, 20))
    assert result.next_update_due == at(0, 50)  # 30 minutes from the request, not 60 from the update
    assert result.requested_update == 30 * M
    # The next update starts a 30-minute run too.
    result = run(*history, Event.staff_reply(at(0, 35)), now=at(0, 35))
    assert result.next_update_due == at(1, 5)


def test_a_request_made_late_in_a_run_counts_from_when_it_was_made():
    # Hourly policy; updated at 0:10; at 0:50 the customer asks for every 15 minutes.
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.update_interval(at(0, 50), 15 * M)]
    result = run(*history, now=at(0, 50))
    assert result.next_update_due == at(1, 5)
    assert result.breaches == ()
    # Asked early in the run: the shorter interval from the run's start.
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.update_interval(at(0, 12), 15 * M)]
    assert run(*history, now=at(0, 12)).next_update_due == at(0, 27)


def test_a_requested_interval_never_lengthens_the_policy():
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.update_interval(at(0, 20), 3 * H)]
    assert run(*history, now=at(0, 20)).next_update_due == at(1, 10)


def test_withdrawing_the_request_goes_back_to_the_policy():
    history = [
        Event.opened(MON, P1),
        Event.staff_reply(at(0, 10)),
        Event.update_interval(at(0, 15), 30 * M),
        Event.update_interval(at(0, 20), None),
    ]
    result = run(*history, now=at(0, 20))
    assert result.next_update_due == at(1, 10) and result.requested_update is None


def test_a_missed_requested_update_is_a_breach_and_the_running_clock_is_reported():
    history = [Event.opened(MON, P1), Event.staff_reply(at(0, 10)), Event.update_interval(at(0, 10), 20 * M)]
    result = run(*history, now=at(0, 40))
    assert result.breaches == (Breach(Clock.UPDATE, at(0, 30), at(0, 40), 10 * M, ongoing=True),)
    assert result.running == (Clock.UPDATE, at(0, 10), Target(TWENTY_FOUR_SEVEN, 20 * M))


def test_the_running_clock_is_the_first_response_before_it_is_met():
    result = run(Event.opened(MON, P3), now=at(1))
    assert result.running == (Clock.FIRST_RESPONSE, MON, DEFAULT_POLICIES[P3].initial_response)


@pytest.mark.parametrize(
    ("priority", "interval", "ok"),
    [
        (P1, 30 * M, True),
        (P1, 59 * M, True),
        (P1, 60 * M, False),
        (P1, 0 * M, False),
        (P3, 4 * H, True),  # business hours, under the 9 of a business day
        (P3, 9 * H, False),
    ],
)
def test_a_requested_interval_must_be_shorter_than_the_policy(priority, interval, ok):
    from casedesk.rules.policies import check_requested_update

    policy = DEFAULT_POLICIES[priority]
    if ok:
        check_requested_update(interval, policy, CALENDARS)
    else:
        with pytest.raises(ValueError, match=r"shorter|more than"):
            check_requested_update(interval, policy, CALENDARS)


# -- per-organisation agreements ---------------------------------------------------------------------

ACME = 7
AGREED = Policies(
    organisations={ACME: {P2: Policy(Target(TWENTY_FOUR_SEVEN, 10 * M), Target(TWENTY_FOUR_SEVEN, 30 * M))}},
    vendors=VENDOR_POLICIES.vendors,
)


def test_an_organisations_agreement_replaces_the_plans_targets_for_its_cases():
    mine = AGREED.for_organisation(ACME)
    result = run(Event.opened(MON, P2), now=MON, policies=mine)
    assert result.first_response_due == at(0, 10)
    history = [Event.opened(MON, P2), Event.staff_reply(at(0, 5))]
    assert run(*history, now=at(0, 5), policies=mine).next_update_due == at(0, 35)
    # Priorities the agreement does not name keep the plan's targets; other organisations too.
    assert run(Event.opened(MON, P1), now=MON, policies=mine).first_response_due == at(0, 15)
    assert run(Event.opened(MON, P2), now=MON, policies=AGREED.for_organisation(8)).first_response_due == at(
        0, 30
    )
    assert AGREED.for_organisation(None) is AGREED


def test_a_vendors_targets_apply_over_the_agreement_while_the_vendor_is_attached():
    mine = AGREED.for_organisation(ACME)
    assert run(Event.opened(MON, P2, vendor=CARRIER), now=MON, policies=mine).first_response_due == at(1)


def test_the_deadline_preview_uses_the_agreement():
    opened = mt(2027, 1, 15, 16, 55)
    assert deadline_preview(P2, opened, AGREED.for_organisation(ACME), CALENDARS) == (
        mt(2027, 1, 15, 17, 5),
        mt(2027, 1, 15, 17, 35),
    )
