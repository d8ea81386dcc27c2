from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "casedesk.outbox"
    label = "outbox"
