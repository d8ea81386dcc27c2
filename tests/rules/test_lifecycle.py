"""The transition table, row by row, written out by hand from the plan (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules.lifecycle import (
    CLOSED_STATUSES,
    Actor,
    ReopenOutcome,
    Status,
    TransitionRefused,
    TransitionRequest,
    after_customer_reply,
    allowed_targets,
    check_transition,
    on_assignment,
    reopen_outcome,
    within_reopen_window,
)

S = Status
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WORK = {S.IN_PROGRESS, S.ON_HOLD, S.SHIPPING, S.RESOLVED, S.DUPLICATE, S.CLOSED}

EXPECTED: dict[Status, dict[Actor, set[Status]]] = {
    S.NEW: {Actor.STAFF: WORK, Actor.SYSTEM: {S.IN_PROGRESS}},
    S.IN_PROGRESS: {Actor.STAFF: WORK - {S.IN_PROGRESS}, Actor.SYSTEM: {S.CLOSED_NO_RESPONSE}},
    S.ON_HOLD: {Actor.STAFF: WORK - {S.ON_HOLD}, Actor.SYSTEM: {S.IN_PROGRESS}},
    S.SHIPPING: {Actor.STAFF: {S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED, S.CLOSED}},
    S.RESOLVED: {
        Actor.STAFF: {S.IN_PROGRESS, S.ON_HOLD, S.CLOSED},
        Actor.CUSTOMER: {S.CLOSED, S.IN_PROGRESS},
        # Never confirmed: the work was done and tested, so it closes as Closed (SPEC §4).
        Actor.SYSTEM: {S.CLOSED},
    },
    S.CUSTOMER_REOPENED: {Actor.STAFF: WORK, Actor.SYSTEM: {S.CLOSED_NO_RESPONSE}},
    S.CLOSED: {Actor.STAFF: {S.IN_PROGRESS}, Actor.CUSTOMER: {S.CUSTOMER_REOPENED}},
    S.DUPLICATE: {Actor.STAFF: {S.IN_PROGRESS}},
    S.CLOSED_NO_RESPONSE: {},
}


def full_request(current: Status, target: Status, actor: Actor, **kw) -> TransitionRequest:
    """A request carrying everything any target needs, so only the table decides."""
    values = {
        "current": current,
        "target": target,
        "actor": actor,
        "now": NOW,
        "closed_at": NOW - timedelta(days=1),
        "main_case_ok": True,
        "hold_until": NOW + timedelta(hours=4),
        "tracking_number": "1Z999",
        "resolution": "Fixed.",
    }
    values.update(kw)
    return TransitionRequest(**values)


@pytest.mark.parametrize(("current", "target", "actor"), list(product(Status, Status, Actor)))
def test_every_row_of_the_table(current, target, actor):
    expected = target in EXPECTED[current].get(actor, set())
    request = full_request(current, target, actor)
    if expected:
        check_transition(request)
    else:
        with pytest.raises(TransitionRefused):
            check_transition(request)


@pytest.mark.parametrize(("current", "actor"), list(product(Status, Actor)))
def test_allowed_targets_match_the_table(current, actor):
    assert set(allowed_targets(current, actor)) == EXPECTED[current].get(actor, set())


def test_duplicate_needs_the_main_case():
    with pytest.raises(TransitionRefused, match="main case"):
        check_transition(full_request(S.IN_PROGRESS, S.DUPLICATE, Actor.STAFF, main_case_ok=None))
    with pytest.raises(TransitionRefused, match="main case"):
        check_transition(full_request(S.IN_PROGRESS, S.DUPLICATE, Actor.STAFF, main_case_ok=False))


def test_on_hold_needs_a_future_time():
    with pytest.raises(TransitionRefused, match="until"):
        check_transition(full_request(S.IN_PROGRESS, S.ON_HOLD, Actor.STAFF, hold_until=None))
    with pytest.raises(TransitionRefused, match="future"):
        check_transition(full_request(S.IN_PROGRESS, S.ON_HOLD, Actor.STAFF, hold_until=NOW))
    with pytest.raises(TransitionRefused, match="future"):
        check_transition(
            full_request(S.IN_PROGRESS, S.ON_HOLD, Actor.STAFF, hold_until=NOW - timedelta(minutes=1))
        )


def test_shipping_needs_tracking():
    with pytest.raises(TransitionRefused, match="tracking"):
        check_transition(full_request(S.IN_PROGRESS, S.SHIPPING, Actor.STAFF, tracking_number="  "))


def test_staff_close_needs_resolution_but_customer_confirmation_does_not():
    with pytest.raises(TransitionRefused, match="resolution"):
        check_transition(full_request(S.IN_PROGRESS, S.CLOSED, Actor.STAFF, resolution=""))
    check_transition(full_request(S.RESOLVED, S.CLOSED, Actor.CUSTOMER, resolution=""))


def test_customer_reopen_window_is_seven_calendar_days():
    inside = full_request(S.CLOSED, S.CUSTOMER_REOPENED, Actor.CUSTOMER, closed_at=NOW - timedelta(days=7))
    check_transition(inside)
    late = full_request(
        S.CLOSED, S.CUSTOMER_REOPENED, Actor.CUSTOMER, closed_at=NOW - timedelta(days=7, seconds=1)
    )
    with pytest.raises(TransitionRefused, match="new case"):
        check_transition(late)


def test_closed_no_response_is_never_reopened():
    with pytest.raises(TransitionRefused, match="new case"):
        check_transition(full_request(S.CLOSED_NO_RESPONSE, S.CUSTOMER_REOPENED, Actor.CUSTOMER))


@pytest.mark.parametrize(
    ("status", "closed_days_ago", "outcome"),
    [
        (S.CLOSED, 0, ReopenOutcome.REOPEN),
        (S.CLOSED, 6.9, ReopenOutcome.REOPEN),
        (S.CLOSED, 7.1, ReopenOutcome.FOLLOW_UP),
        (S.CLOSED_NO_RESPONSE, 0.1, ReopenOutcome.FOLLOW_UP),
        (S.DUPLICATE, 0.1, ReopenOutcome.FOLLOW_UP),
        (S.RESOLVED, None, ReopenOutcome.RESUME),
        (S.IN_PROGRESS, None, ReopenOutcome.ALREADY_OPEN),
        (S.NEW, None, ReopenOutcome.ALREADY_OPEN),
    ],
)
def test_reopen_outcome(status, closed_days_ago, outcome):
    closed_at = None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago)
    assert reopen_outcome(status, closed_at, NOW) == outcome


@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)), st.sampled_from(list(Actor)))
def test_refusals_always_explain(current, target, actor):
    try:
        check_transition(full_request(current, target, actor))
    except TransitionRefused as exc:
        assert str(exc).endswith(".") and len(str(exc)) > 15


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_window_boundary(elapsed):
    assert within_reopen_window(NOW - elapsed, NOW) == (elapsed <= timedelta(days=7))


def test_closed_statuses_are_the_three_closures():
    assert {S.DUPLICATE, S.CLOSED, S.CLOSED_NO_RESPONSE} == CLOSED_STATUSES


@pytest.mark.parametrize("status", list(Status))
def test_a_customer_reply_puts_only_a_resolved_case_back_in_progress(status):
    expected = S.IN_PROGRESS if status == S.RESOLVED else None
    assert after_customer_reply(status) == expected
    if expected is not None:
        check_transition(full_request(status, expected, Actor.CUSTOMER))


@pytest.mark.parametrize("status", list(Status))
def test_a_new_case_is_picked_up_when_a_person_is_assigned(status):
    expected = S.IN_PROGRESS if status == S.NEW else None
    assert on_assignment(status) == expected
    if expected is not None:
        check_transition(full_request(status, expected, Actor.STAFF))
