from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.mail import intake, outbox


@sweep("deliver_outbox")
def deliver_outbox(now: datetime) -> dict[str, int]:
    return outbox.deliver_due(now)


@sweep("retry_inbound")
def retry_inbound(now: datetime) -> dict[str, int]:
    """Messages stored but not processed (a crash, or an error part-way) are tried again."""
    return intake.retry_due(now)
