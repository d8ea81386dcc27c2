"""Files an outbound message carries, read when it is sent, in two ways: supplied by the app
that queued it (a provider registered for the message's kind: an invoice's PDF is stored
once, with its invoice, and the outbox keeps no copy), or named on the row itself
(`OutboundMessage.attachments`: files in the default storage, as a scheduled report's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.storage import default_storage

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
Provider = Callable[[Any], Sequence[Attachment]]
PROVIDERS: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    PROVIDERS[kind] = provider


def of(message: Any) -> Sequence[Attachment]:
    provider = PROVIDERS.get(message.kind)
    found = list(provider(message)) if provider is not None else []
    for item in getattr(message, "attachments", None) or ():
        with default_storage.open(item["path"], "rb") as stored:
            found.append((item["name"], stored.read(), item["content_type"]))
    return found
