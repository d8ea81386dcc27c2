from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.mail import outbox


@sweep("deliver_outbox")
def deliver_outbox(now: datetime) -> dict[str, int]:
    return outbox.deliver_due(now)
