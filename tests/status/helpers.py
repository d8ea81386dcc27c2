from __future__ import annotations

from datetime import date, time

from casedesk.outbox.models import OutboundMessage
from casedesk.rules import schedule
from casedesk.status import maintenance
from casedesk.status.models import MaintenanceKind
from tests.factories import ContactFactory, OrganisationFactory, PlatformFactory


def org_with(platform, **contact_flags):
    org = OrganisationFactory(platforms=[platform])
    contact = ContactFactory(organisation=org, **contact_flags)
    return org, contact


def monthly(platforms, by=None, **kw):
    values = {
        "by": by,
        "kind": MaintenanceKind.MONTHLY,
        "title": "Monthly scheduled maintenance",
        "platforms": platforms,
        "description": "Core switch firmware & <b>OS</b> patches.",
        "justification": "Security fixes from the vendor.",
        "expected_impact": "Calls may drop once for up to 5 minutes.",
        "rrule": schedule.MONTHLY_THIRD_FRIDAY,
        "first_day": date(2025, 1, 1),
        "start_time": time(22),
        "end_time": time(4),
    }
    values.update(kw)
    return maintenance.create_window(**values)


def sent_to(kind_prefix: str) -> list[str]:
    return sorted(OutboundMessage.objects.filter(kind__startswith=kind_prefix).values_list("to", flat=True))


__all__ = ["PlatformFactory"]
