from datetime import datetime

from casedesk.core.sweeps import sweep
from casedesk.mail import intake


@sweep("retry_inbound")
def retry_inbound(now: datetime) -> dict[str, int]:
    """Messages stored but not processed (a crash, or an error part-way) are tried again."""
    return intake.retry_due(now)
