"""MACD requests (Client Support Plan §7): which service level a request gets from when it
arrives and whether it is urgent, who works it, and the targets it is then promised.

Pure Python: no Django. The request's clocks themselves run in `rules.sla` (a service level
instead of a priority; the completion clock from approval).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from casedesk.rules.calendar import BusinessCalendar
from casedesk.rules.policies import DEFAULT_SERVICE_POLICIES, Policy, ServiceLevel, calendar_named

__all__ = [
    "EmailForm",
    "Intake",
    "ServiceLevel",
    "Speed",
    "Targets",
    "check_extension",
    "email_form",
    "intake",
    "targets",
]


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
        raise ValueError(
            "An extension of more than 60 days is not a target; put the request on hold instead."
        )


# -- the e-mail form -------------------------------------------------------------------------
# A MACD request by e-mail: sent to a MACD address, or to support with a subject
# "MACD: <title>" (also "MACD Expedited: ...", "MACD urgent: ...", "[MACD] ..."); each change
# on its own line of the body, "- <add|move|change|delete> <user|number|device|licence|feature>
# [<item>][: <details>]", e.g. "- delete number +1 303 555 0100: Pat left".

_SUBJECT = re.compile(
    r"^\s*(?:\[\s*MACD(?P<w1>(?:\s+(?:expedited|urgent))*)\s*\]\s*[:\-]?|MACD(?P<w2>(?:\s+(?:expedited|urgent))*)\s*[:\-])"
    r"\s*(?P<title>.*)$",
    re.I,
)
_KINDS = {
    "user": "seat",
    "seat": "seat",
    "number": "number",
    "did": "number",
    "device": "device",
    "phone": "device",
    "licence": "licence",
    "license": "licence",
    "feature": "feature",
}
_LINE = re.compile(
    r"^\s*[-*•]\s*(?P<op>add|move|change|delete|remove)\s+(?:an?\s+|the\s+)?(?P<kind>\w+)\b\s*(?P<key>[^:]*?)\s*(?::\s*(?P<details>.*))?$",
    re.I,
)


@dataclass(frozen=True)
class EmailForm:
    title: str
    speed: Speed
    urgent: bool
    changes: tuple[dict[str, str], ...]


def subject_form(subject: str) -> tuple[str, Speed, bool] | None:
    """(title, speed, urgent) of a subject in the MACD form, else None."""
    m = _SUBJECT.match(subject or "")
    if m is None:
        return None
    words = f"{m.group('w1') or ''} {m.group('w2') or ''}".lower()
    title = m.group("title").strip() or "MACD request"
    return title, Speed.EXPEDITED if "expedited" in words else Speed.STANDARD, "urgent" in words


def email_form(subject: str, body: str, *, to_macd_address: bool) -> EmailForm | None:
    """What a message asks as a MACD request: None when it is not one (neither sent to a
    MACD address nor with a subject in the form). Changes may be empty (the form not kept)."""
    form = subject_form(subject)
    if form is None:
        if not to_macd_address:
            return None
        form = ((subject or "").strip() or "MACD request", Speed.STANDARD, False)
    title, speed, urgent = form
    changes = []
    for line in (body or "").splitlines()[:500]:
        m = _LINE.match(line)
        if m is None or m.group("kind").lower() not in _KINDS:
            continue
        op = m.group("op").lower()
        changes.append(
            {
                "kind": _KINDS[m.group("kind").lower()],
                "op": "delete" if op == "remove" else op,
                "key": m.group("key").strip(),
                "details": (m.group("details") or "").strip(),
            }
        )
    return EmailForm(title[:200], speed, urgent, tuple(changes))


FORM_HELP = (
    "Write one change a line, e.g. “- add user: Pat Doe, pat@example.com”, "
    "“- delete number +1 303 555 0100”, "
    "“- move device 00:1A:2B:3C:4D:5E: to the Denver site”; with the subject “MACD: <title>” "
    "(or “MACD Expedited: ...”, “MACD urgent: ...”)."
)
