from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "casedesk.mail"
    label = "mail"

    def ready(self) -> None:
        from casedesk.mail.erasure import forget_sender
        from casedesk.privacy import erasure

        erasure.register("received e-mail", forget_sender)
