from django.apps import AppConfig


class MacdConfig(AppConfig):
    name = "casedesk.macd"
    verbose_name = "MACD requests"
