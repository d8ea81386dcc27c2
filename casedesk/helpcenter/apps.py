from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    name = "casedesk.helpcenter"
    label = "helpcenter"
    verbose_name = "Solutions Center and published plan pages"
