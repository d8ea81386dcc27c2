"""Files an outbound message carries, supplied by the app that queued it when the message
is sent: the outbox keeps no copy (an invoice's PDF is stored once, with its invoice)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
Provider = Callable[[Any], Sequence[Attachment]]
PROVIDERS: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    PROVIDERS[kind] = provider


def of(message: Any) -> Sequence[Attachment]:
    provider = PROVIDERS.get(message.kind)
    return provider(message) if provider is not None else ()
