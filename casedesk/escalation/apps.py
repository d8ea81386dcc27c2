from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "casedesk.escalation"
    verbose_name = "Escalation and SLA sweeps"
