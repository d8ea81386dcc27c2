"""The plan's SLA targets as plain data: per priority, the first public response and each
update, as business time on a named calendar; per vendor, the targets that apply while the
vendor is attached (Client Support Plan §3, §4). Pure Python: no Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from casedesk.rules.calendar import EXTENDED, STANDARD, TWENTY_FOUR_SEVEN, BusinessCalendar
from casedesk.rules.triage import Priority


def calendar_named(calendars: Mapping[str, BusinessCalendar], key: str) -> BusinessCalendar:
    try:
        return calendars[key]
    except KeyError:
        raise ValueError(f"An SLA target names calendar {key!r}, which is not configured.") from None


# -- targets and policies ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """How long a clock may run: `duration` plus `business_days` on the named calendar.

    The calendar is named rather than held so that policies stay plain data, and the
    calendars (hours, holidays) can be corrected without touching them.
    """

    calendar: str
    duration: timedelta = timedelta(0)
    business_days: float = 0

    def __post_init__(self) -> None:
        if self.duration < timedelta(0) or self.business_days < 0:
            raise ValueError("A target cannot be negative.")

    def length(self, calendar: BusinessCalendar) -> timedelta:
        """Business time allowed; 'N business days' is N of the calendar's business days."""
        return self.duration + calendar.business_day * self.business_days

    def describe(self) -> str:
        """How long, as the plan words it: "60 minutes", "4 business hours", "1 business day"."""
        parts = []
        if self.business_days:
            days = f"{self.business_days:g}"
            parts.append(f"{days} business day{'' if days == '1' else 's'}")
        minutes = int(self.duration.total_seconds() // 60)
        if minutes or not parts:
            business = "" if self.calendar == TWENTY_FOUR_SEVEN else "business "
            if minutes and minutes % 60 == 0:
                hours = minutes // 60
                parts.append(f"{hours} {business}hour{'' if hours == 1 else 's'}")
            else:
                parts.append(f"{minutes} {business}minute{'' if minutes == 1 else 's'}")
        return " and ".join(parts)

    def due(self, start: datetime, calendars: Mapping[str, BusinessCalendar]) -> datetime:
        """The deadline for a clock that starts at `start` and never pauses."""
        calendar = calendar_named(calendars, self.calendar)
        return calendar.add(start, self.length(calendar))


@dataclass(frozen=True)
class Policy:
    """The targets of one priority: the first public response, then each update; for a
    MACD request's service level also the completion of the work (counted from approval)."""

    initial_response: Target
    update_frequency: Target
    completion: Target | None = None


def _minutes(n: int) -> Target:
    return Target(TWENTY_FOUR_SEVEN, timedelta(minutes=n))


DEFAULT_POLICIES: Mapping[Priority, Policy] = MappingProxyType(
    {
        Priority.P1: Policy(_minutes(15), _minutes(60)),
        Priority.P2: Policy(_minutes(30), _minutes(120)),
        Priority.P3: Policy(Target(STANDARD, timedelta(hours=4)), Target(STANDARD, business_days=1)),
        Priority.P4: Policy(Target(STANDARD, business_days=1), Target(STANDARD, business_days=2)),
        # "Immediate, continuous" has no measurable target of its own; a master case must
        # at least meet what each of the P1 cases linked to it is promised.
        Priority.P1G: Policy(_minutes(15), _minutes(60)),
    }
)


# MACD requests (plan §7) follow a service level instead of a priority, on the extended
# calendar (Mon-Fri 07:00-19:00, a 12-hour business day). The plan promises no update
# interval for them; the customer hears at least once per completion target. An urgent
# request outside extended hours is Expedited and worked by the 24x7 team, so its targets
# run on the 24x7 clock: 4 hours to respond, one extended business day (12 hours) to complete.
class ServiceLevel:
    STANDARD = "standard"
    EXPEDITED = "expedited"
    EXPEDITED_24X7 = "expedited_24x7"


DEFAULT_SERVICE_POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        ServiceLevel.STANDARD: Policy(
            Target(EXTENDED, business_days=1),
            Target(EXTENDED, business_days=2),
            Target(EXTENDED, business_days=2),
        ),
        ServiceLevel.EXPEDITED: Policy(
            Target(EXTENDED, timedelta(hours=4)),
            Target(EXTENDED, business_days=1),
            Target(EXTENDED, business_days=1),
        ),
        ServiceLevel.EXPEDITED_24X7: Policy(
            Target(TWENTY_FOUR_SEVEN, timedelta(hours=4)),
            Target(TWENTY_FOUR_SEVEN, timedelta(hours=12)),
            Target(TWENTY_FOUR_SEVEN, timedelta(hours=12)),
        ),
    }
)


@dataclass(frozen=True)
class Policies:
    """Targets per priority; per organisation the alternative agreements it asked for; per
    vendor those that apply while the vendor is attached.

    An agreement or a vendor's table may list only some priorities; the others keep the
    default targets. A vendor's targets win over an agreement while the vendor works the
    case: the provider cannot promise faster than the vendor answers it.
    """

    default: Mapping[Priority, Policy] = field(default_factory=lambda: DEFAULT_POLICIES)
    vendors: Mapping[str, Mapping[Priority, Policy]] = field(default_factory=dict)
    organisations: Mapping[int, Mapping[Priority, Policy]] = field(default_factory=dict)
    services: Mapping[str, Policy] = field(default_factory=lambda: DEFAULT_SERVICE_POLICIES)

    def for_organisation(self, organisation: int | None) -> Policies:
        """The policies of one organisation's cases: its agreements in place of the defaults."""
        agreed = self.organisations.get(organisation) if organisation is not None else None
        if not agreed:
            return self
        return Policies(default={**self.default, **agreed}, vendors=self.vendors, services=self.services)

    def policy(self, priority: Priority, vendor: str | None = None, service: str | None = None) -> Policy:
        """The targets of a case: a MACD request's service level's, else its priority's
        (a vendor's while one works it)."""
        if service:
            try:
                return self.services[service]
            except KeyError:
                raise ValueError(f"No SLA policy for the service level {service!r}.") from None
        if vendor:
            override = self.vendors.get(vendor, {}).get(priority)
            if override is not None:
                return override
        try:
            return self.default[priority]
        except KeyError:
            raise ValueError(f"No SLA policy for priority {priority}.") from None


def check_requested_update(
    interval: timedelta, policy: Policy, calendars: Mapping[str, BusinessCalendar]
) -> None:
    """ValueError, saying why, unless `interval` is a request the plan's "or as requested"
    covers: more often than the policy's updates."""
    if interval <= timedelta(0):
        raise ValueError("A requested update interval must be more than zero minutes.")
    target = policy.update_frequency
    calendar = calendar_named(calendars, target.calendar)
    if Target(target.calendar, interval).length(calendar) >= target.length(calendar):
        raise ValueError(
            f"A requested update interval must be shorter than the policy's: updates are due every "
            f"{target.describe()} already."
        )


def update_terms(
    policies: Policies,
    priority: Priority,
    calendars: Mapping[str, BusinessCalendar],
    *,
    vendor: str | None = None,
    organisation: int | None = None,
    requested: timedelta | None = None,
) -> tuple[Target, str]:
    """The update target a case is owed and whose terms set it: "requested" (the customer
    asked for more), "vendor", "agreement" (the organisation's) or "policy"."""
    if vendor and priority in policies.vendors.get(vendor, {}):
        source = "vendor"
    elif organisation is not None and priority in policies.organisations.get(organisation, {}):
        source = "agreement"
    else:
        source = "policy"
    target = policies.for_organisation(organisation).policy(priority, vendor).update_frequency
    if requested:
        asked = Target(target.calendar, requested)
        calendar = calendar_named(calendars, target.calendar)
        if asked.length(calendar) < target.length(calendar):
            return asked, "requested"
    return target, source
