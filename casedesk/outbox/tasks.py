from casedesk.core.tasks import job
from casedesk.outbox import delivery


@job(delivery.TASK)
def deliver_outbox() -> dict[str, int]:
    """Send what is due (rows leased, so two workers or a redelivery send nothing twice)."""
    return delivery.deliver_due()
