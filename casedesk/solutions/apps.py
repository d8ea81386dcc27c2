from django.apps import AppConfig


class SolutionsConfig(AppConfig):
    name = "casedesk.solutions"
    label = "solutions"
    verbose_name = "Solutions Center"
    default_auto_field = "django.db.models.BigAutoField"
