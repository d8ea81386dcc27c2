"""Reads of chats, scoped by who asks: a customer reaches only their own chat (by session,
or by the token their browser was given), staff every chat; anything else is not found."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

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


def satisfaction(start: datetime, end: datetime, organisation: int | None = None) -> dict[str, Any]:
    """Chats ended in [start, end): how many, how many rated, the average rating and the
    share of 4 and 5, for the SLA report."""
    chats = Chat.objects.filter(ended_at__gte=start, ended_at__lt=end)
    if organisation is not None:
        chats = chats.filter(contact__organisation_id=organisation)
    figures = chats.aggregate(
        chats=Count("pk"),
        rated=Count("rating"),
        average=Avg("rating"),
        happy=Count("pk", filter=Q(rating__gte=4)),
    )
    rated = figures["rated"] or 0
    return {
        "chats": figures["chats"] or 0,
        "rated": rated,
        "average": round(figures["average"], 2) if figures["average"] is not None else None,
        "happy_pct": round(100 * figures["happy"] / rated) if rated else None,
    }


def message_file_for(user: Any, message_id: int, token: str = "") -> Any:
    """A chat message's file, for staff, or for the chat's own customer (session or token)."""
    from casedesk.chat.models import ChatMessage

    message = ChatMessage.objects.select_related("chat").filter(pk=message_id).exclude(file="").first()
    if message is None:
        raise NotFound("No such file.")
    if not permissions.is_staff(user):
        chat_for_customer(user, message.chat_id, token)
    return message
