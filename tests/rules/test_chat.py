"""Chat hours at their edges, message bounds and the signatures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import chat as rules
from casedesk.rules.calendar import DENVER, chat

CHAT = chat()


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=DENVER)


@pytest.mark.parametrize(
    ("instant", "is_open", "next_opening"),
    [
        (mt(2026, 12, 2, 4, 59), False, mt(2026, 12, 2, 5, 0)),  # Wednesday before opening
        (mt(2026, 12, 2, 5, 0), True, None),
        (mt(2026, 12, 6, 16, 59), True, None),  # Sunday
        (mt(2026, 12, 6, 17, 0), False, mt(2026, 12, 7, 5, 0)),  # Sunday close: Monday 05:00
        (mt(2026, 12, 4, 23, 59), True, None),  # Friday
        (mt(2026, 12, 5, 0, 0), False, mt(2026, 12, 5, 8, 0)),  # Friday 24:00: Saturday 08:00
        (mt(2026, 12, 25, 9, 0), False, mt(2026, 12, 26, 8, 0)),  # Christmas: closed
    ],
)
def test_hours_at_the_edges(instant, is_open, next_opening):
    hours = rules.hours(CHAT, instant)
    assert hours.open is is_open
    assert hours.next_opening == next_opening


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)))
def test_next_opening_is_open_and_not_before_now(now):
    hours = rules.hours(CHAT, now)
    if not hours.open:
        assert hours.next_opening is not None
        assert hours.next_opening > now
        assert CHAT.is_open(hours.next_opening)


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ("hello", True),
        ("", False),
        ("   ", False),
        ("x" * rules.MESSAGE_MAX, True),
        ("x" * (rules.MESSAGE_MAX + 1), False),
        ("a\x07b", False),
        ("line\nline", True),
    ],
)
def test_message_bounds(body, ok):
    assert (rules.message_problem(body) == "") is ok


@pytest.mark.parametrize(
    ("key", "ok"), [("abc-123_x", True), ("", False), ("a" * 65, False), ("a b", False), ("é", True)]
)
def test_keys(key, ok):
    assert (rules.key_problem(key) == "") is ok


def test_identity_signature():
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    issued = int(now.timestamp())
    sig = rules.identity_signature("s3cret", "42", issued)
    assert rules.identity_valid("s3cret", "42", issued, sig, now)
    assert not rules.identity_valid("s3cret", "43", issued, sig, now)
    assert not rules.identity_valid("other", "42", issued, sig, now)
    assert not rules.identity_valid("", "42", issued, sig, now)
    assert not rules.identity_valid(
        "s3cret", "42", issued - 13 * 3600, rules.identity_signature("s3cret", "42", issued - 13 * 3600), now
    )


def test_webhook_signature_and_window():
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    ts = str(int(now.timestamp()))
    body = b'{"caller":"+13035550101"}'
    sig = rules.webhook_signature("k", ts, body)
    assert rules.webhook_problem("k", ts, sig, body, now) == ""
    assert rules.webhook_problem("k", ts, "sha256=" + sig, body, now) == ""
    assert "signature" in rules.webhook_problem("k", ts, sig, body + b" ", now)
    assert "timestamp" in rules.webhook_problem("k", "soon", sig, body, now)
    old = str(int(now.timestamp()) - 301)
    assert "too old" in rules.webhook_problem("k", old, rules.webhook_signature("k", old, body), body, now)
    assert "secret" in rules.webhook_problem("", ts, sig, body, now)


def test_moves():
    assert rules.may_move(rules.State.WAITING, rules.State.ACTIVE)
    assert not rules.may_move(rules.State.ENDED, rules.State.ACTIVE)
