"""Reads of chats, scoped by who asks: a customer reaches only their own chat (by session,
or by the token their browser was given), staff every chat; anything else is not found."""

from __future__ import annotations

import hmac
from typing import Any

from django.db.models import QuerySet

from casedesk.accounts import permissions
from casedesk.chat.models import Call, Chat
from casedesk.core.errors import NotFound


def chat_for_customer(user: Any, chat_id: int, token: str = "") -> Chat:
    chat = Chat.objects.select_related("technician", "case").filter(pk=chat_id).first()
    if chat is None:
        raise NotFound("No such chat.")
    if token and hmac.compare_digest(chat.token, token):
        return chat
    if user is not None and getattr(user, "is_authenticated", False) and chat.user_id == user.pk:
        return chat
    raise NotFound("No such chat.")


def chat_for_staff(user: Any, chat_id: int) -> Chat:
    if not permissions.is_staff(user):
        raise NotFound("No such chat.")
    chat = (
        Chat.objects.select_related("technician", "case", "contact__organisation", "team")
        .filter(pk=chat_id)
        .first()
    )
    if chat is None:
        raise NotFound("No such chat.")
    return chat


def open_chats_of(user: Any) -> QuerySet[Chat]:
    """A technician's own chats in progress."""
    return Chat.objects.filter(technician=user, state="active").order_by("accepted_at", "pk")


def recent_calls(user: Any, limit: int = 20) -> list[Call]:
    if not permissions.is_staff(user):
        return []
    return list(Call.objects.select_related("contact", "organisation", "case", "agent")[:limit])
