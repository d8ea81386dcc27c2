from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "casedesk.reporting"
    label = "reporting"
    verbose_name = "Reports"
