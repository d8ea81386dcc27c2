from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "casedesk.privacy"
    label = "privacy"
    verbose_name = "CPNI and privacy"

    def ready(self) -> None:
        from casedesk.accounts import authorised
        from casedesk.privacy.actions import tell_contacts_changed

        authorised.listen("cpni notice", tell_contacts_changed)
