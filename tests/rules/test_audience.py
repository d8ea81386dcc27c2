"""Who reads which Solutions Center article, and when a suggestion is a deflection: tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import audience as rules
from casedesk.rules import published
from casedesk.rules.audience import Audience, Reader
from casedesk.rules.lifecycle import Status
from casedesk.rules.triage import Priority

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PAST = NOW - timedelta(minutes=1)
LATER = NOW + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("audience", "reader", "publish_at", "reads"),
    [
        (Audience.PUBLIC, Reader.ANONYMOUS, PAST, True),
        (Audience.PUBLIC, Reader.CUSTOMER, PAST, True),
        (Audience.PUBLIC, Reader.STAFF, PAST, True),
        (Audience.CUSTOMERS, Reader.ANONYMOUS, PAST, False),
        (Audience.CUSTOMERS, Reader.CUSTOMER, PAST, True),
        (Audience.CUSTOMERS, Reader.STAFF, PAST, True),
        (Audience.STAFF, Reader.ANONYMOUS, PAST, False),
        (Audience.STAFF, Reader.CUSTOMER, PAST, False),
        (Audience.STAFF, Reader.STAFF, PAST, True),
        (Audience.PUBLIC, Reader.STAFF, None, False),  # a draft
        (Audience.PUBLIC, Reader.STAFF, LATER, False),  # scheduled
        (Audience.PUBLIC, Reader.ANONYMOUS, NOW, True),  # its time has come
    ],
)
def test_who_reads_what(audience, reader, publish_at, reads):
    assert rules.may_read(audience, publish_at, reader, NOW) is reads


@pytest.mark.parametrize(
    ("publish_at", "state"), [(None, "draft"), (LATER, "scheduled"), (PAST, "published"), (NOW, "published")]
)
def test_states(publish_at, state):
    assert rules.state(publish_at, NOW) == state


@given(st.sampled_from(list(Reader)), st.sampled_from(list(Reader)))
def test_a_wider_reader_reads_all_a_narrower_one_does(a, b):
    order = [Reader.ANONYMOUS, Reader.CUSTOMER, Reader.STAFF]
    low, high = sorted((a, b), key=order.index)
    assert rules.audiences(low) <= rules.audiences(high)


def test_staff_only_is_read_by_staff_alone():
    assert [r for r in Reader if Audience.STAFF in rules.audiences(r)] == [Reader.STAFF]


def test_the_widest_audience_of_a_word():
    assert rules.widest([Audience.STAFF, Audience.CUSTOMERS]) == Audience.CUSTOMERS
    with pytest.raises(ValueError):
        rules.widest([])


OPENED = NOW - timedelta(minutes=40)


@pytest.mark.parametrize(
    ("opened_at", "submitted_at", "now", "verdict"),
    [
        (None, None, NOW, False),  # shown, nothing opened
        (OPENED, None, NOW, True),  # opened, no case in 30 minutes
        (OPENED, OPENED + timedelta(minutes=29), NOW, False),  # a case followed
        (OPENED, OPENED + timedelta(minutes=30), NOW, False),  # at the minute: still followed
        (OPENED, OPENED + timedelta(minutes=31), NOW, True),  # too late to be the same need
        (NOW - timedelta(minutes=10), None, NOW, None),  # not decided yet
        (NOW - timedelta(minutes=30), None, NOW, True),
    ],
)
def test_deflections(opened_at, submitted_at, now, verdict):
    assert rules.deflected(opened_at, submitted_at, now) is verdict


def test_the_plan_words_cover_every_priority_and_status():
    assert set(published.PRIORITIES) == set(Priority)
    assert set(published.STATUS_MEANINGS) == set(Status)
