from celery import shared_task

from casedesk.outbox import delivery


@shared_task(name=delivery.TASK, ignore_result=True)
def deliver_outbox() -> dict[str, int]:
    return delivery.deliver_due()
