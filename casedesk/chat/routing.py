"""WebSocket routes: the customers' chat and the console's live connection."""

from django.urls import path

from casedesk.chat import consumers

websocket_urlpatterns = [
    path("ws/chat/", consumers.CustomerConsumer.as_asgi()),
    path("ws/console/", consumers.ConsoleConsumer.as_asgi()),
]
