from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "casedesk.chat"
    label = "chat"
    verbose_name = "Live chat and calls"

    def ready(self) -> None:
        from casedesk.chat.ratings import of_chats
        from casedesk.reporting import ratings

        ratings.register("chat", of_chats)
