"""MACD requests (Client Support Plan §7): which service level a request gets from when it
arrives and whether it is urgent, who works it, and the targets it is then promised.

Pure Python: no Django. The request's clocks themselves run in `rules.sla` (a service level
instead of a priority; the completion clock from approval).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from casedesk.rules.calendar import BusinessCalendar
from casedesk.rules.policies import DEFAULT_SERVICE_POLICIES, Policy, ServiceLevel, calendar_named

__all__ = ["ServiceLevel", "Speed", "Intake", "intake", "targets", "Targets", "check_extension"]


class Speed(enum.StrEnum):
    STANDARD = "standard"
    EXPEDITED = "expedited"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Team(enum.StrEnum):
    """Who works a request: the provisioning desk in extended hours, the 24x7 team after."""

    DESK = "desk"
    TWENTY_FOUR_SEVEN = "24x7"


@dataclass(frozen=True)
class Intake:
    speed: Speed  # what the customer is charged for
    service_level: str  # whose targets the clocks follow (`policies.ServiceLevel`)
    team: Team
    addressed_from: datetime  # when work can start: now, or the next extended business day
    note: str  # the reason, in words, for the timeline and the customer


def intake(at: datetime, speed: Speed, urgent: bool, extended: BusinessCalendar) -> Intake:
    """The plan's rule for a request arriving at `at`: inside extended hours it is worked as
    asked (urgent makes it Expedited); outside them it is addressed the next business day,
    unless urgent, which makes it Expedited and hands it to the 24x7 team."""
    if extended.is_open(at):
        speed = Speed.EXPEDITED if urgent else speed
        return Intake(speed, speed.value, Team.DESK, at, f"{speed.label}, within extended business hours.")
    if urgent:
        return Intake(
            Speed.EXPEDITED,
            ServiceLevel.EXPEDITED_24X7,
            Team.TWENTY_FOUR_SEVEN,
            at,
            "Urgent outside extended business hours: Expedited, worked by the 24x7 team.",
        )
    opens = extended.next_open(at)
    return Intake(
        speed,
        speed.value,
        Team.DESK,
        opens,
        f"{speed.label}, received outside extended business hours: addressed from "
        f"{opens.astimezone(extended.tz):%a %d %b %Y %H:%M} MT.",
    )


@dataclass(frozen=True)
class Targets:
    response_due: datetime
    completion_due: datetime


def targets(
    service_level: str,
    submitted_at: datetime,
    approved_at: datetime,
    calendars: Mapping[str, BusinessCalendar],
    *,
    extension: timedelta = timedelta(0),
    policies: Mapping[str, Policy] = DEFAULT_SERVICE_POLICIES,
) -> Targets:
    """The response and completion deadlines of a request never paused: the response
    counted from submission, the completion from approval (work waits for it), plus any
    extension a carrier or vendor needs."""
    policy = policies[service_level]
    assert policy.completion is not None
    done = policy.completion
    calendar = calendar_named(calendars, done.calendar)
    return Targets(
        policy.initial_response.due(submitted_at, calendars),
        calendar.add(approved_at, done.length(calendar) + extension),
    )


MAX_EXTENSION = timedelta(days=60)


def check_extension(extra: timedelta) -> None:
    """ValueError, saying why, unless `extra` is a sensible further extension."""
    if extra <= timedelta(0):
        raise ValueError("The extension must be longer than zero.")
    if extra > MAX_EXTENSION:
        raise ValueError("An extension of more than 60 days is not a target; put the request on hold instead.")
