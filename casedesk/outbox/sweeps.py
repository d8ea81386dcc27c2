from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.outbox import delivery


@sweep("deliver_outbox")
def deliver_outbox(now: datetime) -> dict[str, int]:
    return delivery.deliver_due(now)
