from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "casedesk.sla"
    label = "sla"
    verbose_name = "SLA, calendars and escalation"

    def ready(self) -> None:
        from casedesk.sla import config

        config.connect_signals()
