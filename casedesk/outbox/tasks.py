from casedesk.core import tasks
from casedesk.core.tasks import job
from casedesk.outbox import delivery

BATCH = 200  # messages a task sends; a full batch queues the next task at once


@job(delivery.TASK)
def deliver_outbox() -> dict[str, int]:
    """Send what is due (rows leased, so two workers or a redelivery send nothing twice).
    A backlog drains task after task, never waiting for beat's next tick."""
    counts = delivery.deliver_due(limit=BATCH)
    if sum(counts.values()) >= BATCH:
        tasks.kick(delivery.TASK)
    return counts
