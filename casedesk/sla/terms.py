"""The targets in force for a case, from its organisation, priority, vendor and the update
interval its customer asked for: the configured policies with the organisation's
agreements over them (`config`), and the plan's rules (`rules.policies`)."""

from __future__ import annotations

from datetime import timedelta

from casedesk.rules import policies as rules
from casedesk.rules.sla import Policies, Priority
from casedesk.sla import config


def for_organisation(cfg: config.Config, organisation: int | None) -> Policies:
    """The policies an organisation's cases follow: its agreements over the plan's."""
    return cfg.policies.for_organisation(organisation)


def check_requested_update(
    priority: str, vendor: str | None, organisation: int | None, interval: timedelta
) -> None:
    """ValueError, saying why, unless a case of these terms may be owed updates every
    `interval` (more often than its policy's)."""
    cfg = config.current()
    policy = for_organisation(cfg, organisation).policy(Priority(priority), vendor or None)
    rules.check_requested_update(interval, policy, cfg.calendars)


def update_every(
    priority: str, vendor: str | None, organisation: int | None, requested_minutes: int | None
) -> tuple[str, str]:
    """How often such a case is owed updates, as the plan words it, and whose terms say so
    (`rules.policies.update_terms`)."""
    cfg = config.current()
    target, source = rules.update_terms(
        cfg.policies,
        Priority(priority),
        cfg.calendars,
        vendor=vendor or None,
        organisation=organisation,
        requested=timedelta(minutes=requested_minutes) if requested_minutes else None,
    )
    return target.describe(), source
