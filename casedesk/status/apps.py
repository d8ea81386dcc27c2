from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "casedesk.status"
    verbose_name = "Network status"
