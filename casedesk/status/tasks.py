from casedesk.core.tasks import job
from casedesk.status import webhooks


@job(webhooks.TASK)
def deliver_webhooks() -> dict[str, int]:
    """Post what is due (rows leased, so two workers or a redelivery post nothing twice)."""
    return webhooks.deliver_due()
