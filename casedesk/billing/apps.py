from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "casedesk.billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # The outbox attaches an invoice e-mail's stored PDF when it sends it.
        from casedesk.billing import mailing
        from casedesk.outbox import attachments

        attachments.register(mailing.KIND, mailing.attachments_of)
