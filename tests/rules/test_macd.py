"""MACD requests' intake and targets on the extended calendar (plan §7): Mon-Fri 07:00-19:00
MT, a 12-hour business day, US federal holidays closed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules.approvals import Decision, Rule, State, needs_approval, outcome, work_refusal
from casedesk.rules.calendar import DENVER, EXTENDED, default_calendars
from casedesk.rules.lifecycle import Status
from casedesk.rules.macd import Speed, Team, email_form, intake, subject_form, targets
from casedesk.rules.policies import ServiceLevel
from casedesk.rules.sla import Clock, Event, Policies, Priority, deadlines

CALENDARS = default_calendars()
EXT = CALENDARS[EXTENDED]
H = timedelta(hours=1)


def mt(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=DENVER)


# (arrives, urgent, asked speed) -> (level, team, addressed from, response due, completion due
# when approved as it arrives)
TABLE = [
    # Friday 18:59: one minute of Friday is left; the rest runs on Monday.
    (
        mt(4, 18, 59),
        False,
        Speed.STANDARD,
        ServiceLevel.STANDARD,
        Team.DESK,
        mt(4, 18, 59),
        mt(7, 18, 59),
        mt(8, 18, 59),
    ),
    (
        mt(4, 18, 59),
        False,
        Speed.EXPEDITED,
        ServiceLevel.EXPEDITED,
        Team.DESK,
        mt(4, 18, 59),
        mt(7, 10, 59),
        mt(7, 18, 59),
    ),
    # Friday 19:00: extended hours are over; addressed Monday 07:00.
    (mt(4, 19, 0), False, Speed.STANDARD, ServiceLevel.STANDARD, Team.DESK, mt(7, 7), mt(7, 19), mt(8, 19)),
    (mt(4, 19, 0), False, Speed.EXPEDITED, ServiceLevel.EXPEDITED, Team.DESK, mt(7, 7), mt(7, 11), mt(7, 19)),
    # Saturday: the next business day, Monday.
    (mt(5, 10, 0), False, Speed.STANDARD, ServiceLevel.STANDARD, Team.DESK, mt(7, 7), mt(7, 19), mt(8, 19)),
    # Thanksgiving (Thursday 26 November 2026): addressed Friday 07:00.
    (
        mt(26, 10, 0, 11),
        False,
        Speed.STANDARD,
        ServiceLevel.STANDARD,
        Team.DESK,
        mt(27, 7, 0, 11),
        mt(27, 19, 0, 11),
        mt(30, 19, 0, 11),
    ),
    # Urgent outside extended hours: Expedited, on the 24x7 team, on the 24x7 clock.
    (
        mt(4, 19, 0),
        True,
        Speed.STANDARD,
        ServiceLevel.EXPEDITED_24X7,
        Team.TWENTY_FOUR_SEVEN,
        mt(4, 19),
        mt(4, 23),
        mt(5, 7),
    ),
    (
        mt(5, 10, 0),
        True,
        Speed.STANDARD,
        ServiceLevel.EXPEDITED_24X7,
        Team.TWENTY_FOUR_SEVEN,
        mt(5, 10),
        mt(5, 14),
        mt(5, 22),
    ),
    (
        mt(26, 10, 0, 11),
        True,
        Speed.EXPEDITED,
        ServiceLevel.EXPEDITED_24X7,
        Team.TWENTY_FOUR_SEVEN,
        mt(26, 10, 0, 11),
        mt(26, 14, 0, 11),
        mt(26, 22, 0, 11),
    ),
    # Urgent inside extended hours: Expedited, on the desk.
    (
        mt(4, 18, 59),
        True,
        Speed.STANDARD,
        ServiceLevel.EXPEDITED,
        Team.DESK,
        mt(4, 18, 59),
        mt(7, 10, 59),
        mt(7, 18, 59),
    ),
]


@pytest.mark.parametrize(
    ("at", "urgent", "speed", "level", "team", "addressed", "response", "completion"), TABLE
)
def test_intake_and_targets(
    at: datetime,
    urgent: bool,
    speed: Speed,
    level: str,
    team: Team,
    addressed: datetime,
    response: datetime,
    completion: datetime,
) -> None:
    got = intake(at, speed, urgent, EXT)
    assert (got.service_level, got.team, got.addressed_from) == (level, team, addressed)
    assert got.speed == (Speed.EXPEDITED if urgent else speed)
    due = targets(level, at, at, CALENDARS)
    assert (due.response_due, due.completion_due) == (response, completion)
    # The replayed clocks agree with the preview.
    d = deadlines(
        [Event.opened(at, Priority.P4), Event.service_level(at, level), Event.work_approved(at)],
        Policies(),
        CALENDARS,
        at,
    )
    assert d.first_response_due == response
    assert d.completion_due == completion
    assert d.next_due == min(response, completion)


def test_completion_counts_from_approval_and_extension_moves_it() -> None:
    at = mt(4, 18, 59)
    history = [Event.opened(at, Priority.P4), Event.service_level(at, ServiceLevel.STANDARD)]
    before = deadlines(history, Policies(), CALENDARS, mt(7, 9))
    assert before.completion_due is None  # awaiting approval: no completion clock
    approved = [*history, Event.work_approved(mt(7, 9))]
    d = deadlines(approved, Policies(), CALENDARS, mt(7, 9))
    assert d.completion_due == mt(9, 9)  # 24 business hours from Monday 09:00: 10 + 12 + 2
    extended = [*approved, Event.completion_extended(mt(7, 10), 2 * H)]
    later = deadlines(extended, Policies(), CALENDARS, mt(7, 10))
    assert later.completion_due is not None and d.completion_due is not None
    assert EXT.measure(d.completion_due, later.completion_due) == 2 * H


def test_completion_met_when_resolved_and_breached_when_late() -> None:
    at = mt(7, 9)
    history = [
        Event.opened(at, Priority.P4),
        Event.service_level(at, ServiceLevel.EXPEDITED),
        Event.work_approved(at),
    ]
    done = deadlines(
        [*history, Event.status_change(mt(7, 12), Status.RESOLVED)], Policies(), CALENDARS, mt(9, 9)
    )
    assert done.completion_met_at == mt(7, 12)
    assert done.completion_due is None
    assert not [b for b in done.breaches if b.clock == Clock.COMPLETION]
    late = deadlines(history, Policies(), CALENDARS, mt(9, 9))
    breach = next(b for b in late.breaches if b.clock == Clock.COMPLETION)
    assert breach.due == mt(8, 9) and breach.ongoing


def test_support_cases_have_no_completion_clock() -> None:
    d = deadlines([Event.opened(mt(7, 9), Priority.P3)], Policies(), CALENDARS, mt(7, 10))
    assert d.completion_due is None and d.completion_running is None


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    st.booleans(),
    st.sampled_from(list(Speed)),
)
def test_intake_properties(naive: datetime, urgent: bool, speed: Speed) -> None:
    at = naive.replace(tzinfo=DENVER)
    got = intake(at, speed, urgent, EXT)
    if EXT.is_open(at):
        assert got.addressed_from == at and got.team == Team.DESK
    elif urgent:
        assert got.service_level == ServiceLevel.EXPEDITED_24X7 and got.team == Team.TWENTY_FOUR_SEVEN
    else:
        assert got.addressed_from > at and EXT.is_open(got.addressed_from)
        assert EXT.measure(at, got.addressed_from) == timedelta(0)
    if urgent:
        assert got.speed == Speed.EXPEDITED
    due = targets(got.service_level, at, at, CALENDARS)
    assert at < due.response_due <= due.completion_due


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(min_value=1, max_value=60 * 24 * 5),
)
def test_an_extension_moves_completion_by_its_business_time(naive: datetime, minutes: int) -> None:
    at = naive.replace(tzinfo=DENVER)
    base = targets(ServiceLevel.STANDARD, at, at, CALENDARS)
    moved = targets(ServiceLevel.STANDARD, at, at, CALENDARS, extension=timedelta(minutes=minutes))
    assert EXT.measure(base.completion_due, moved.completion_due) == timedelta(minutes=minutes)


# -- approvals -------------------------------------------------------------------------------

A, D, P = Decision.APPROVED, Decision.DECLINED, Decision.PENDING


@pytest.mark.parametrize(
    ("rule", "decisions", "state"),
    [
        (Rule.ANY, {1: A, 2: P}, State.APPROVED),  # the MPOC who raised it
        (Rule.ANY, {1: P, 2: P}, State.PENDING),
        (Rule.ANY, {1: D, 2: P}, State.DECLINED),
        (Rule.ALL, {1: A, 2: P, 3: P}, State.PENDING),
        (Rule.ALL, {1: A, 2: A, 3: P}, State.PENDING),
        (Rule.ALL, {1: A, 2: A, 3: A}, State.APPROVED),
        (Rule.ALL, {1: A, 2: D, 3: P}, State.DECLINED),  # "all MPOCs" with one declining
        (Rule.ALL, {1: A, 2: A, 3: D}, State.DECLINED),
    ],
)
def test_outcome_table(rule: Rule, decisions: dict[int, Decision], state: State) -> None:
    assert outcome(rule, decisions).state == state


def test_pre_approved_catalogue() -> None:
    assert not needs_approval(["licence:delete"], {"licence:delete", "seat:move"})
    assert needs_approval(["licence:delete", "number:add"], {"licence:delete"})
    assert needs_approval([], {"licence:delete"})


def test_work_refusal_says_why() -> None:
    assert "awaiting approval" in (work_refusal("pending", "CS-000001", "all") or "")
    assert "all of its MPOCs" in (work_refusal("pending", "CS-000001", "all") or "")
    assert work_refusal("declined", "CS-000001", closing=True) is None
    assert "declined" in (work_refusal("declined", "CS-000001") or "")
    assert work_refusal("approved", "CS-000001") is None
    assert work_refusal("", "CS-000001") is None


@given(
    st.sampled_from(list(Rule)),
    st.dictionaries(st.integers(1, 6), st.sampled_from(list(Decision)), min_size=1),
)
def test_outcome_properties(rule: Rule, decisions: dict[int, Decision]) -> None:
    got = outcome(rule, decisions)
    values = set(decisions.values())
    if D in values:
        assert got.state == State.DECLINED
    elif rule == Rule.ALL:
        assert (got.state == State.APPROVED) == (values == {A})
    else:
        assert (got.state == State.APPROVED) == (A in values)
    if got.state == State.PENDING:
        assert set(got.waiting_on) == {k for k, v in decisions.items() if v == P}


# -- the e-mail form -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("MACD: New hire", ("New hire", Speed.STANDARD, False)),
        ("macd expedited: Port a number", ("Port a number", Speed.EXPEDITED, False)),
        ("MACD Expedited Urgent - Lines for the new site", ("Lines for the new site", Speed.EXPEDITED, True)),
        ("[MACD] Leaver", ("Leaver", Speed.STANDARD, False)),
        ("[MACD urgent] Leaver", ("Leaver", Speed.STANDARD, True)),
        ("MACD broke our phones", None),  # no separator: not the form
        ("Re: MACD: New hire", None),  # a reply threads to its request instead
        ("Phones down", None),
    ],
)
def test_subject_form(subject: str, expected: tuple | None) -> None:
    assert subject_form(subject) == expected


def test_body_lines_become_changes() -> None:
    body = (
        "Hi,\n- add user: Pat Doe, pat@acme.example.com\n"
        "* remove licence teams/Teams Phone/lee@acme.example.com\n"
        "- delete number +1 303 555 0100: Lee left\n- explode device: not a change\nThanks"
    )
    form = email_form("MACD: Starter and leaver", body, to_macd_address=False)
    assert form is not None
    assert [(c["kind"], c["op"], c["key"], c["details"]) for c in form.changes] == [
        ("seat", "add", "", "Pat Doe, pat@acme.example.com"),
        ("licence", "delete", "teams/Teams Phone/lee@acme.example.com", ""),
        ("number", "delete", "+1 303 555 0100", "Lee left"),
    ]
    assert email_form("Phones down", body, to_macd_address=False) is None
    assert email_form("New phone", "- add device: Yealink", to_macd_address=True) is not None
