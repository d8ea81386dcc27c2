from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "casedesk.signin"
    verbose_name = "Sign-in security"
