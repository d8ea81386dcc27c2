from celery import shared_task

from casedesk.mail import outbox


@shared_task(name="casedesk.deliver_outbox", ignore_result=True)
def deliver_outbox() -> dict[str, int]:
    return outbox.deliver_due()
