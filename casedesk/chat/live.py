"""Who hears what, live: the channel-layer groups and the broadcast after commit. A chat's
group holds its customer's and its technicians' connections; the queue group every
console; a staff member's group their own consoles (screen pops, transfers)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

QUEUE_GROUP = "chat-queue"


def chat_group(chat_id: int) -> str:
    return f"chat-{chat_id}"


def staff_group(user_id: int) -> str:
    return f"staff-{user_id}"


# -- broadcasting ----------------------------------------------------------------------------


def send_now(group: str, payload: dict[str, Any]) -> None:
    """To every connection in `group`; the consumer relays `payload` to its client."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "relay", "payload": payload})


def broadcast(group: str, payload: dict[str, Any]) -> None:
    """After commit: nothing is announced that a rollback would take back."""
    transaction.on_commit(lambda: send_now(group, payload))
