"""The plan's hours in words, from the calendars the desk enforces."""

from __future__ import annotations

import pytest

from casedesk.rules import calendar as cal
from casedesk.rules.published import describe_hours

CALENDARS = cal.default_calendars(holidays=[])


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("24x7", "24x7x365"),
        ("standard", "Mon-Fri 08:00-17:00 MT"),
        ("extended", "Mon-Fri 07:00-19:00 MT"),
        ("chat", "Mon-Fri 05:00-24:00, Sat-Sun 08:00-17:00 MT"),
    ],
)
def test_hours_in_words(key, words):
    assert describe_hours(CALENDARS[key], "MT") == words


def test_holidays_are_mentioned():
    assert describe_hours(cal.default_calendars()["standard"], "MT").endswith("closed on public holidays")
