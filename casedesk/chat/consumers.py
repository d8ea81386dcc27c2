"""WebSocket adapters over the chat actions: one for customers and visitors, one for the
console. Each inbound frame is a JSON object with a "type"; each action's broadcast
reaches every connection of its group as a "relay" event, sent on as it is.

A client that reconnects says which chat and the last message id it saw ("resume"); it
gets every later message, in pages, then the chat's state, and drops by id what it has.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from casedesk.accounts import permissions
from casedesk.chat import actions, live, selectors
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import chat as rules
from casedesk.rules.chat import Identity, Side
from casedesk.signin import verification


def database_sync_to_async(fn: Any) -> Any:
    """The action in a worker thread of a pool, each with its own database connection: one
    connection's slow transaction (a row lock) does not hold up every other chat, as one
    shared thread would."""
    return DatabaseSyncToAsync(fn, thread_sensitive=False)


# A frame larger than this is refused before it is parsed.
FRAME_MAX = 16_384


def _origin(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return str(value.decode("latin-1"))
    return ""


def _host(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return str(value.decode("latin-1"))
    return ""


def _same_origin(scope: dict[str, Any]) -> bool:
    origin = _origin(scope)
    return bool(origin) and origin.split("://", 1)[-1] == _host(scope)


class Base(AsyncJsonWebsocketConsumer):
    side: Side
    groups_joined: set[str]

    async def connect(self) -> None:
        self.groups_joined = set()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > FRAME_MAX:
            await self.send_json({"type": "error", "error": "Frames are JSON text, at most 16 kB."})
            return
        await super().receive(text_data=text_data)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # answered as "not a JSON object" below

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": "Send a JSON object."})
            return
        kind = str(content.get("type", ""))
        handler = getattr(self, f"on_{kind}", None) if kind.isidentifier() else None
        if handler is None:
            await self.send_json({"type": "error", "error": f"Unknown type {kind!r}."})
            return
        try:
            await handler(content)
        except Refused as exc:
            await self.send_json({"type": "error", "error": str(exc), "for": kind, "key": content.get("key")})
        except (TypeError, ValueError):
            # A field of the wrong kind ("upto": "x"): refused, the connection kept.
            await self.send_json({"type": "error", "error": "A field has the wrong type.", "for": kind})

    async def relay(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    async def send_since(self, chat: Any, after: int) -> None:
        """Every message after `after`, a page per frame, then the state."""
        while True:
            page, more = await database_sync_to_async(actions.history)(chat, after)
            if page:
                await self.send_json(
                    {"type": "history", "chat": chat.pk, "messages": [actions.message_data(m) for m in page]}
                )
                after = page[-1].pk
            if not more:
                break
        state = await database_sync_to_async(
            lambda: actions.state_data(
                type(chat).objects.select_related("technician", "case").get(pk=chat.pk)
            )
        )()
        await self.send_json(state)


class CustomerConsumer(Base):
    """`/ws/chat/`: a portal user (session, same origin only), a public visitor, or the
    embedding site's user vouched for by an HMAC."""

    side = Side.CUSTOMER
    chat: Any = None

    async def connect(self) -> None:
        await super().connect()
        self.user = self.scope.get("user") if _same_origin(self.scope) else None
        if self.user is not None and not self.user.is_authenticated:
            self.user = None
        hours = await database_sync_to_async(actions.hours)()
        await self.send_json(
            {
                "type": "hours",
                "open": hours.open,
                "next_opening": hours.next_opening.isoformat() if hours.next_opening else None,
                "opens": actions.opening_text(hours),
                "portal": self.user is not None,
            }
        )

    def _address(self) -> str | None:
        client = self.scope.get("client")
        return str(client[0]) if client else None

    async def _who(self, content: dict[str, Any]) -> tuple[Identity, Any, dict[str, str]]:
        signed = content.get("identity")
        if isinstance(signed, dict):
            user = await database_sync_to_async(_vouched_user)(signed)
            return Identity.SIGNED, user, {}
        if self.user is not None:
            return Identity.PORTAL, self.user, {}
        visitor = content.get("visitor")
        if not isinstance(visitor, dict):
            visitor = {}
        fields = {
            k: str(visitor.get(k, ""))[: rules.FIELD_MAX + 1] for k in ("name", "email", "organisation")
        }
        return Identity.VISITOR, None, fields

    async def on_start(self, content: dict[str, Any]) -> None:
        if self.chat is not None:
            raise Refused("This connection has a chat already.")
        identity, user, fields = await self._who(content)
        message = str(content.get("message", ""))[: rules.MESSAGE_MAX + 1]
        chat = await database_sync_to_async(actions.start_chat)(
            identity=identity, user=user, address=self._address(), message=message, **fields
        )
        self.chat = chat
        await self.join(live.chat_group(chat.pk))
        await self.send_json(
            {"type": "started", "chat": chat.pk, "token": chat.token, "left": chat.left_message}
        )
        await self.send_since(chat, 0)

    async def on_resume(self, content: dict[str, Any]) -> None:
        try:
            chat_id, after = int(content.get("chat", 0)), int(content.get("after", 0))
        except (TypeError, ValueError) as exc:
            raise Refused("Resume with a chat id and the last message id seen.") from exc
        chat = await database_sync_to_async(selectors.chat_for_customer)(
            self.user, chat_id, str(content.get("token", ""))
        )
        self.chat = chat
        await self.join(live.chat_group(chat.pk))
        await self.send_since(chat, after)

    def _chat(self) -> Any:
        if self.chat is None:
            raise Refused("Start or resume a chat first.")
        return self.chat

    async def on_send(self, content: dict[str, Any]) -> None:
        chat = self._chat()
        key = str(content.get("key", ""))
        message, _ = await database_sync_to_async(actions.send)(
            chat, side=Side.CUSTOMER, body=str(content.get("body", ""))[: rules.MESSAGE_MAX + 1], key=key
        )
        await self.send_json({"type": "ack", "key": key, "id": message.pk})

    async def on_typing(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(actions.typing)(self._chat(), side=Side.CUSTOMER)

    async def on_read(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(actions.mark_read)(
            self._chat(), side=Side.CUSTOMER, upto=int(content.get("upto", 0))
        )

    async def on_end(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(actions.end)(self._chat(), side=Side.CUSTOMER)

    async def on_rate(self, content: dict[str, Any]) -> None:
        try:
            score = int(content.get("score", 0))
        except (TypeError, ValueError):
            score = 0
        await database_sync_to_async(actions.rate)(
            self._chat(), score=score, note=str(content.get("note", ""))[:2000]
        )


def _vouched_user(signed: dict[str, Any]) -> Any:
    """The embedding site's user: its e-mail address, when issued and signed with the shared
    secret. Anything else is refused, never taken as a visitor's word."""
    email = str(signed.get("user", "")).strip().lower()
    try:
        issued = int(signed.get("issued", 0))
    except (TypeError, ValueError):
        issued = 0
    if not rules.identity_valid(
        settings.CASEDESK_CHAT_EMBED_SECRET, email, issued, str(signed.get("signature", "")), clock.now()
    ):
        raise Refused("The signed identity does not verify.")
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise Refused("The signed identity does not verify.")
    return user


class ConsoleConsumer(Base):
    """`/ws/console/`: a technician's queue, their chats and the calls popped to them."""

    side = Side.STAFF

    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = (
            user is not None
            and user.is_authenticated
            and _same_origin(self.scope)
            and await database_sync_to_async(_staff_signed_in)(user, self.scope.get("session"))
        )
        if not allowed:
            await self.close(code=4403)
            return
        self.user = user
        await super().connect()
        await self.join(live.QUEUE_GROUP)
        await self.join(live.staff_group(user.pk))
        await self.send_json({"type": "hello", "user": user.pk, "at": time.time()})

    async def _chat(self, content: dict[str, Any]) -> Any:
        try:
            chat_id = int(content.get("chat", 0))
        except (TypeError, ValueError) as exc:
            raise Refused("Which chat?") from exc
        return await database_sync_to_async(selectors.chat_for_staff)(self.user, chat_id)

    async def on_watch(self, content: dict[str, Any]) -> None:
        chat = await self._chat(content)
        await self.join(live.chat_group(chat.pk))
        await self.send_since(chat, int(content.get("after", 0) or 0))

    async def on_accept(self, content: dict[str, Any]) -> None:
        chat = await self._chat(content)
        await self.join(live.chat_group(chat.pk))
        await database_sync_to_async(actions.accept)(chat, by=self.user)

    async def on_send(self, content: dict[str, Any]) -> None:
        chat = await self._chat(content)
        key = str(content.get("key", ""))
        message, _ = await database_sync_to_async(actions.send)(
            chat,
            side=Side.STAFF,
            by=self.user,
            body=str(content.get("body", ""))[: rules.MESSAGE_MAX + 1],
            key=key,
        )
        await self.send_json({"type": "ack", "chat": chat.pk, "key": key, "id": message.pk})

    async def on_typing(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(actions.typing)(await self._chat(content), side=Side.STAFF)

    async def on_read(self, content: dict[str, Any]) -> None:
        chat = await self._chat(content)
        await database_sync_to_async(actions.mark_read)(
            chat, side=Side.STAFF, upto=int(content.get("upto", 0))
        )


def _staff_signed_in(user: Any, session: Any) -> bool:
    """Staff, with the second factor shown in this session when they must have one."""
    if not permissions.is_staff(user) or session is None:
        return False
    return verification.step_due(SimpleNamespace(session=session, user=user)) is None  # type: ignore[arg-type]
