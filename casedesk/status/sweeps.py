from datetime import datetime

from django.db import transaction

from casedesk.core.sweeps import sweep
from casedesk.status import maintenance, masters, versions, webhooks
from casedesk.status.models import StatusVersion
from casedesk.status.selectors import local_day


@sweep("maintenance_windows")
def maintenance_windows(now: datetime) -> dict[str, int]:
    return maintenance.advance_maintenance(now)


@sweep("master_case_updates")
def master_case_updates(now: datetime) -> dict[str, int]:
    return masters.remind_and_escalate(now)


@sweep("status_webhooks")
def status_webhooks(now: datetime) -> dict[str, int]:
    return webhooks.deliver_due(now)


@sweep("status_new_day")
def status_new_day(now: datetime) -> bool:
    """The 90-day bars move on at local midnight: render the pages anew once a day."""
    today = local_day(now)
    with transaction.atomic():
        if StatusVersion.objects.filter(pk=1, day=today).exists():
            return False
        versions.changed()
        StatusVersion.objects.filter(pk=1).update(day=today)
    return True
