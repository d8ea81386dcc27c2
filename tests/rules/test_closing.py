"""When a case that waits on the customer closes by itself, and how the customer is warned
first (SPEC §4): hand-computed on the standard calendar (Mon-Fri 08:00-17:00 MT, US federal
holidays; Thanksgiving 2026 is Thursday 26 November)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casedesk.rules.calendar import DENVER, STANDARD, default_calendars
from casedesk.rules.closing import AutoClose, Waiting, auto_close, waiting_on_customer
from casedesk.rules.lifecycle import Status
from casedesk.rules.sla import Event, Priority

CAL = default_calendars()[STANDARD]
S = timedelta(seconds=1)


def mt(d: int, h: int, mi: int = 0, mo: int = 11) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=DENVER)


MON = mt(23, 10)
OPENED = Event.opened(mt(23, 9), Priority.P3)
ASKED = Event.staff_reply(MON, asks_customer=True)
RESOLVED = Event.status_change(MON, Status.RESOLVED)


def close(*events: Event, now: datetime, warnings: tuple[datetime, ...] = ()) -> AutoClose | None:
    return auto_close([OPENED, *events], CAL, now, warnings=warnings)


WAITING = [
    # (history after the opening, what the case waits for and since when, why)
    ([ASKED], (Waiting.INFORMATION, MON), "a question to the customer"),
    ([RESOLVED], (Waiting.CONFIRMATION, MON), "a resolution to confirm"),
    ([ASKED, Event.customer_reply(mt(23, 11))], None, "the customer answered"),
    ([ASKED, Event.staff_reply(mt(23, 11))], None, "staff wrote again without asking"),
    ([ASKED, Event.status_change(mt(23, 11), Status.ON_HOLD)], None, "put on hold"),
    ([ASKED, Event.status_change(mt(23, 11), Status.SHIPPING)], None, "shipping"),
    ([RESOLVED, Event.status_change(mt(23, 11), Status.IN_PROGRESS)], None, "staff took it back"),
    (
        [RESOLVED, Event.staff_reply(mt(23, 15))],
        (Waiting.CONFIRMATION, mt(23, 15)),
        "a later public reply on a resolved case restarts the count",
    ),
    (
        [Event.staff_reply(MON, asks_customer=True), Event.status_change(MON, Status.IN_PROGRESS)],
        (Waiting.INFORMATION, MON),
        "the first reply asks, and moves the case to In-Progress",
    ),
    (
        [ASKED, Event.status_change(mt(23, 11), Status.RESOLVED)],
        (Waiting.CONFIRMATION, mt(23, 11)),
        "resolved while a question was open: it waits for the confirmation",
    ),
    ([ASKED, Event.status_change(mt(23, 11), Status.CLOSED)], None, "closed"),
]


@pytest.mark.parametrize(("history", "expected"), [r[:2] for r in WAITING], ids=[r[2] for r in WAITING])
def test_what_the_case_waits_for(history, expected):
    assert waiting_on_customer([OPENED, *history]) == expected


def test_a_question_warns_one_business_day_before_closing_no_response():
    assert close(ASKED, now=MON) == AutoClose(
        waiting=Waiting.INFORMATION,
        since=MON,
        warn_at=mt(24, 10),
        closes_at=mt(25, 10),
        closes_as=Status.CLOSED_NO_RESPONSE,
    )


def test_once_warned_it_closes_a_business_day_after_the_warning():
    result = close(ASKED, now=mt(24, 10, 1), warnings=(mt(24, 10) + 30 * S,))
    assert result is not None
    assert result.warn_at is None
    assert result.closes_at == mt(25, 10) + 30 * S


def test_an_unsent_warning_holds_the_closure_back_until_a_business_day_after_it_goes():
    # The sweeps were down: at Wednesday 11:00 nobody has been warned yet.
    result = close(ASKED, now=mt(25, 11))
    assert result is not None
    assert result.warn_at == mt(24, 10)
    assert result.closes_at == mt(27, 11)  # a business day later: Thanksgiving, so Friday


def test_a_warning_for_an_earlier_question_does_not_count():
    later = Event.staff_reply(mt(24, 9), asks_customer=True)
    result = close(ASKED, Event.customer_reply(mt(23, 12)), later, now=mt(24, 9), warnings=(mt(23, 11),))
    assert result is not None
    assert result.warn_at == mt(25, 9) and result.closes_at == mt(27, 9)  # over Thanksgiving


def test_a_resolution_nobody_confirms_closes_as_closed_without_a_warning():
    assert close(RESOLVED, now=MON) == AutoClose(
        waiting=Waiting.CONFIRMATION,
        since=MON,
        warn_at=None,
        closes_at=mt(25, 10),
        closes_as=Status.CLOSED,
    )


def test_the_days_count_on_the_business_calendar():
    # Wednesday before Thanksgiving: warned Friday, closed the Monday after.
    asked = Event.staff_reply(mt(25, 10), asks_customer=True)
    result = close(asked, now=mt(25, 10))
    assert result is not None
    assert (result.warn_at, result.closes_at) == (mt(27, 10), mt(30, 10))
    # Asked on a Saturday: the count starts Monday at opening time.
    saturday = Event.staff_reply(mt(28, 12), asks_customer=True)
    result = close(saturday, now=mt(28, 12))
    assert result is not None
    assert (result.warn_at, result.closes_at) == (mt(30, 17), mt(1, 17, mo=12))


def test_nothing_closes_while_the_customer_is_not_waited_on():
    assert close(now=mt(30, 10)) is None
