"""The words of the published Client Support Plan that are not already rules elsewhere:
what each priority means with an example, the channels and which calendar gives each its
hours, and what each status means. The targets, hours, paths and schedules the public
plan pages show come from the data the desk enforces; these are only their captions.
Pure Python: no Django."""

from __future__ import annotations

from dataclasses import dataclass

from casedesk.rules.calendar import CHAT, TWENTY_FOUR_SEVEN, BusinessCalendar
from casedesk.rules.lifecycle import Status
from casedesk.rules.triage import Priority


@dataclass(frozen=True)
class PriorityText:
    definition: str
    example: str


PRIORITIES: dict[Priority, PriorityText] = {
    Priority.P1: PriorityText(
        "Total impairment of critical services affecting an entire site.", "A circuit down; loss of service."
    ),
    Priority.P2: PriorityText(
        "Partial or intermittent impairment of critical services affecting multiple users.",
        "Intermittent drops while transferring calls.",
    ),
    Priority.P3: PriorityText(
        "Impairment of non-critical services for multiple users, or total impairment for a single user.",
        "Presence wrong for many users; one phone not registering.",
    ),
    Priority.P4: PriorityText(
        "Impairment of non-critical services for a single user.",
        "A message-waiting light broken for one user.",
    ),
    Priority.P1G: PriorityText(
        "A master case: one issue affecting multiple organisations (only support staff designate one), "
        "with immediate, continuous attention and hourly updates posted on the Network Status page.",
        "A platform outage.",
    ),
}


@dataclass(frozen=True)
class Channel:
    name: str
    calendar: str  # the key of the calendar whose hours the channel keeps
    how: str


CHANNELS: tuple[Channel, ...] = (
    Channel(
        "Customer Support Portal",
        TWENTY_FOUR_SEVEN,
        "A main point of contact logs in, sees every open and closed case of the organisation, opens "
        "cases, comments and asks to reopen. Portal cases open as Priority 4 until support reviews them.",
    ),
    Channel(
        "E-mail to support",
        TWENTY_FOUR_SEVEN,
        "An e-mail opens a case, assigned to a technician, Priority 4 until reviewed. Replies to case "
        "e-mails go onto the case.",
    ),
    Channel(
        "Chat on the website",
        CHAT,
        "Live technicians answer at once; recommended for high-priority issues. A chat can open and "
        "escalate a case.",
    ),
    Channel(
        "Phone",
        TWENTY_FOUR_SEVEN,
        "A representative opens the case for the caller and connects them to the right specialist. "
        "Recommended for high priority.",
    ),
)

STATUS_MEANINGS: dict[Status, str] = {
    Status.NEW: "Not yet picked up by an agent.",
    Status.IN_PROGRESS: "An agent is actively working it.",
    Status.DUPLICATE: "Closed because another case is the main case for the same issue (that case is named).",
    Status.ON_HOLD: "Open, but on hold until a set time.",
    Status.SHIPPING: "Hardware is on its way to the customer.",
    Status.RESOLVED: "The work is done; waiting for the customer to confirm.",
    Status.CUSTOMER_REOPENED: "Was closed; the customer replied to a case e-mail or asked to reopen.",
    Status.CLOSED_NO_RESPONSE: "Closed because the customer did not respond.",
    Status.CLOSED: "All work completed and tested by the agent.",
}


def plural(n: float, word: str) -> str:
    return f"{n:g} {word}{'' if n == 1 else 's'}"


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] -> "Mon-Fri"; [5, 6] -> "Sat-Sun"; [0, 2] -> "Mon, Wed"."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs
    )


def describe_hours(calendar: BusinessCalendar, zone_label: str) -> str:
    """A calendar's hours as the plan words them, from the calendar the desk enforces:
    "24x7x365", or "Mon-Fri 05:00-24:00, Sat-Sun 08:00-17:00 MT, closed on public holidays"."""
    if calendar.always_open:
        return "24x7x365"
    by_hours: dict[tuple[str, str], list[int]] = {}
    for span in calendar.spans:
        closes = "24:00" if span.closes.hour == 0 and span.closes.minute == 0 else f"{span.closes:%H:%M}"
        by_hours.setdefault((f"{span.opens:%H:%M}", closes), []).append(int(span.weekday))
    ordered = sorted(by_hours.items(), key=lambda item: min(item[1]))
    text = ", ".join(f"{_days(days)} {opens}-{closes}" for (opens, closes), days in ordered)
    holidays = ", closed on public holidays" if calendar.holidays else ""
    return f"{text} {zone_label}{holidays}"
