"""Pages and API over HTTP, live chat and the console's screen pops over WebSockets.

The customers' chat checks its origin itself (a session counts only from our own pages;
an embedding site's visitor gives a name or a signed identity), so it accepts the sites
listed in CASEDESK_CHAT_ORIGINS; the console's connection takes our own host only.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (after Django is set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from casedesk.chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            [*settings.ALLOWED_HOSTS, *settings.CASEDESK_CHAT_ORIGINS],
        ),
    }
)
