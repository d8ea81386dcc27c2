from casedesk.core import tasks
from casedesk.core.tasks import job
from casedesk.status import webhooks

BATCH = 100  # deliveries a task posts; a full batch queues the next task at once


@job(webhooks.TASK)
def deliver_webhooks() -> dict[str, int]:
    """Post what is due (rows leased, so two workers or a redelivery post nothing twice)."""
    counts = webhooks.deliver_due(limit=BATCH)
    if sum(counts.values()) >= BATCH:
        tasks.kick(webhooks.TASK)
    return counts
