"""The WebSocket adapters, through channels' communicator against the real ASGI app."""

from __future__ import annotations

import functools
from datetime import datetime

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.test import Client

from casedesk.chat.models import Chat, ChatMessage
from casedesk.rules import chat as rules
from casedesk.rules.calendar import DENVER
from config.asgi import application
from tests.chat.wsclient import WebsocketCommunicator
from tests.factories import StaffFactory, customer

pytestmark = pytest.mark.django_db(transaction=True)

OPEN = datetime(2026, 12, 2, 10, 0, tzinfo=DENVER)
HOST = "testserver"


def run(fn):
    """An async test run to completion on an event loop of its own (no pytest-asyncio)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def _open():
    with time_machine.travel(OPEN) as traveller:
        yield traveller


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(path: str, *, session: str = "", origin: str = f"http://{HOST}") -> WebsocketCommunicator:
    headers = [(b"host", HOST.encode()), (b"origin", origin.encode())]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def until(comm: WebsocketCommunicator, kind: str, **match) -> dict:
    for _ in range(50):
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise AssertionError(f"no {kind} frame")


@run
async def test_portal_customer_chats_with_a_technician():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(customer)()
    tech = await sync_to_async(StaffFactory)()
    me = communicator("/ws/chat/", session=await sync_to_async(cookie_for)(user))
    connected, _ = await me.connect()
    assert connected
    hours = await me.receive_json_from()
    assert hours == {"type": "hours", "open": True, "next_opening": None, "opens": "", "portal": True}

    console = communicator("/ws/console/", session=await sync_to_async(cookie_for)(tech))
    assert (await console.connect())[0]
    await until(console, "hello")

    await me.send_json_to({"type": "start"})
    started = await until(me, "started")
    queued = await until(console, "queue", chat=started["chat"])
    assert queued["state"] == "waiting"
    await until(me, "state")

    await console.send_json_to({"type": "accept", "chat": started["chat"]})
    await until(me, "state", state="active")

    await me.send_json_to({"type": "send", "key": "m-1", "body": "Our phones are down"})
    ack = await until(me, "ack", key="m-1")
    got = await until(console, "message", id=ack["id"])
    assert got["body"] == "Our phones are down" and got["side"] == "customer"

    # A retried send with the same key is stored once and acknowledged with the same id.
    await me.send_json_to({"type": "send", "key": "m-1", "body": "Our phones are down"})
    again = await until(me, "ack", key="m-1")
    assert again["id"] == ack["id"]
    assert await ChatMessage.objects.filter(key="m-1").acount() == 1

    await console.send_json_to({"type": "typing", "chat": started["chat"]})
    assert (await until(me, "typing"))["side"] == "staff"
    await console.send_json_to({"type": "send", "chat": started["chat"], "key": "t-1", "body": "Looking now"})
    reply = await until(me, "message", key="t-1")
    await me.send_json_to({"type": "read", "upto": reply["id"]})
    assert (await until(console, "read"))["upto"] == reply["id"]
    await me.disconnect()
    await console.disconnect()


@run
async def test_resume_after_the_last_id_gets_the_rest_once(settings):
    from asgiref.sync import sync_to_async

    settings.CASEDESK_CHAT_MESSAGES_PER_MINUTE = 1000

    user = await sync_to_async(customer)()
    session = await sync_to_async(cookie_for)(user)
    first = communicator("/ws/chat/", session=session)
    await first.connect()
    await first.send_json_to({"type": "start"})
    started = await until(first, "started")
    ids = []
    for i in range(130):
        await first.send_json_to({"type": "send", "key": f"k{i}", "body": f"m{i}"})
        ids.append((await until(first, "ack", key=f"k{i}"))["id"])
    await first.disconnect()

    again = communicator("/ws/chat/", session=session)
    await again.connect()
    await until(again, "hours")
    await again.send_json_to({"type": "resume", "chat": started["chat"], "after": ids[9]})
    seen = []
    while True:
        frame = await again.receive_json_from(timeout=5)
        if frame["type"] == "history":
            seen += [m["id"] for m in frame["messages"]]
        if frame["type"] == "state":
            break
    assert seen == ids[10:]  # two pages, nothing lost, nothing twice
    await again.disconnect()


@run
async def test_visitor_resumes_by_token_and_no_one_else_can():
    visitor = communicator("/ws/chat/")
    await visitor.connect()
    assert (await until(visitor, "hours"))["portal"] is False
    await visitor.send_json_to(
        {"type": "start", "visitor": {"name": "", "email": "a@example.com", "organisation": "Acme"}}
    )
    assert "name" in (await until(visitor, "error"))["error"]
    await visitor.send_json_to(
        {"type": "start", "visitor": {"name": "Ann", "email": "ann@example.com", "organisation": "Acme"}}
    )
    started = await until(visitor, "started")
    await visitor.disconnect()

    stranger = communicator("/ws/chat/")
    await stranger.connect()
    await stranger.send_json_to({"type": "resume", "chat": started["chat"], "token": "wrong", "after": 0})
    assert "No such chat" in (await until(stranger, "error"))["error"]
    await stranger.send_json_to(
        {"type": "resume", "chat": started["chat"], "token": started["token"], "after": 0}
    )
    assert (await until(stranger, "state"))["state"] == "waiting"
    await stranger.disconnect()


@run
async def test_session_from_another_site_is_not_a_portal_user(settings):
    from asgiref.sync import sync_to_async

    settings.CASEDESK_CHAT_ORIGINS = ["www.example.com"]
    from importlib import reload

    import config.asgi

    app = reload(config.asgi).application
    user = await sync_to_async(customer)()
    headers = [
        (b"host", HOST.encode()),
        (b"origin", b"https://www.example.com"),
        (b"cookie", f"sessionid={await sync_to_async(cookie_for)(user)}".encode()),
    ]
    comm = WebsocketCommunicator(app, "/ws/chat/", headers=headers)
    assert (await comm.connect())[0]
    assert (await until(comm, "hours"))["portal"] is False
    await comm.disconnect()
    evil = WebsocketCommunicator(
        app, "/ws/chat/", headers=[(b"host", HOST.encode()), (b"origin", b"https://evil.example.net")]
    )
    assert not (await evil.connect())[0]


@run
async def test_signed_identity_is_enforced(settings):
    from asgiref.sync import sync_to_async

    settings.CASEDESK_CHAT_EMBED_SECRET = "embed-secret"
    user = await sync_to_async(customer)()
    issued = int(OPEN.timestamp())
    comm = communicator("/ws/chat/")
    await comm.connect()
    bad = {"user": user.email, "issued": issued, "signature": "0" * 64}
    await comm.send_json_to({"type": "start", "identity": bad})
    assert "does not verify" in (await until(comm, "error"))["error"]
    good = {**bad, "signature": rules.identity_signature("embed-secret", user.email, issued)}
    await comm.send_json_to({"type": "start", "identity": good})
    started = await until(comm, "started")
    chat = await Chat.objects.select_related("contact").aget(pk=started["chat"])
    assert chat.identity == "signed" and chat.user_id == user.pk and chat.contact is not None
    await comm.disconnect()


@run
async def test_console_refuses_customers_and_strangers():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(customer)()
    for session in ("", await sync_to_async(cookie_for)(user)):
        comm = communicator("/ws/console/", session=session)
        connected, code = await comm.connect()
        assert not connected and code == 4403


@run
async def test_outside_hours_the_widget_hears_when_chat_opens(_open):
    _open.move_to(datetime(2026, 12, 6, 17, 0, tzinfo=DENVER))
    comm = communicator("/ws/chat/")
    await comm.connect()
    hours = await until(comm, "hours")
    assert hours["open"] is False
    assert datetime.fromisoformat(hours["next_opening"]) == datetime(2026, 12, 7, 5, 0, tzinfo=DENVER)
    assert hours["opens"] == "Monday 7 December at 05:00 MST"
    await comm.send_json_to(
        {"type": "start", "visitor": {"name": "A", "email": "a@example.com", "organisation": "O"}}
    )
    assert "closed" in (await until(comm, "error"))["error"]
    await comm.send_json_to(
        {
            "type": "start",
            "visitor": {"name": "A", "email": "a@example.com", "organisation": "O"},
            "message": "Call me",
        }
    )
    started = await until(comm, "started")
    assert started["left"] is True
    await comm.disconnect()


@run
async def test_malformed_frames_are_refused_and_the_connection_kept():
    comm = communicator("/ws/chat/")
    await comm.connect()
    await until(comm, "hours")
    await comm.send_input({"type": "websocket.receive", "text": "not json"})
    assert (await until(comm, "error"))["error"] == "Send a JSON object."
    await comm.send_json_to(["a list"])
    assert (await until(comm, "error"))["error"] == "Send a JSON object."
    await comm.send_json_to({"type": "__class__"})
    assert "Unknown type" in (await until(comm, "error"))["error"]
    await comm.send_json_to({"type": "send", "key": "k", "body": "x"})
    assert "Start or resume" in (await until(comm, "error"))["error"]
    await comm.send_json_to({"type": "resume", "chat": "x", "after": 0})
    assert "Resume with" in (await until(comm, "error"))["error"]
    await comm.send_json_to(
        {"type": "start", "visitor": {"name": "A" * 300, "email": "a@example.com", "organisation": "O"}}
    )
    assert "too long" in (await until(comm, "error"))["error"]
    await comm.send_json_to(
        {"type": "start", "visitor": {"name": "A", "email": "a@example.com", "organisation": "O"}}
    )
    await until(comm, "started")
    await comm.send_json_to({"type": "read", "upto": "x"})
    assert (await until(comm, "error"))["error"] == "A field has the wrong type."
    await comm.send_json_to({"type": "send", "key": "big", "body": "x" * 5000})
    assert "at most" in (await until(comm, "error"))["error"]
    await comm.disconnect()
