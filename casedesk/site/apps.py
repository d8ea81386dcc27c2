from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "casedesk.site"
    label = "casedesk_site"
    verbose_name = "casedesk"
