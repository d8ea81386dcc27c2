"""The telephony webhook: signed, replay-protected, the caller found however the number is
written, and the call popped on the screen of the agent taking it."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from casedesk.chat import calls
from casedesk.chat.models import Call
from casedesk.rules import chat as rules
from config.asgi import application
from tests.chat.test_consumers import cookie_for, run, until
from tests.chat.wsclient import WebsocketCommunicator
from tests.factories import ContactFactory, StaffFactory, make_case

SECRET = "phone-system-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CASEDESK_TELEPHONY_SECRET = SECRET


def post(
    client: Client, payload: dict, *, secret: str = SECRET, timestamp: int | None = None, signature: str = ""
):
    body = json.dumps(payload).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    sig = signature or rules.webhook_signature(secret, ts, body)
    return client.post(
        "/api/v1/calls",
        body,
        content_type="application/json",
        headers={"X-Casedesk-Timestamp": ts, "X-Casedesk-Signature": "sha256=" + sig},
    )


@pytest.mark.django_db
def test_bad_signature_old_timestamp_and_replay_are_refused(client):
    payload = {"id": "pbx-1", "caller": "+13035550142", "called": "+13035550100"}
    assert post(client, payload, secret="wrong").status_code == 403
    assert post(client, payload, timestamp=int(time.time()) - 600).status_code == 403
    fixed = int(time.time())
    first = post(client, payload, timestamp=fixed)
    assert first.status_code == 201, first.content
    replay = post(client, payload, timestamp=fixed)
    assert replay.status_code == 409
    # The phone system retrying with a fresh signature finds the call it stored.
    retry = post(client, payload, timestamp=fixed + 1)
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert Call.objects.count() == 1
    unsigned = client.post("/api/v1/calls", json.dumps(payload), content_type="application/json")
    assert unsigned.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoken",
    ["+13035550142", "(303) 555-0142", "303.555.0142", "1 303 555 0142", "3035550142", "+1-303-555-0142"],
)
def test_caller_found_in_any_format(spoken):
    contact = ContactFactory(phone="303-555-0142")
    assert [c.pk for c in calls.callers(spoken)] == [contact.pk]


@pytest.mark.django_db
def test_mobile_numbers_match_too_and_strangers_do_not():
    contact = ContactFactory(phone="", mobile="+1 (720) 555-0177")
    assert [c.pk for c in calls.callers("720-555-0177")] == [contact.pk]
    assert calls.callers("720-555-0178") == []
    assert calls.callers("not a number") == []


@pytest.mark.django_db(transaction=True)
@run
async def test_screen_pop_reaches_the_agent_who_takes_the_call():
    contact = await sync_to_async(ContactFactory)(
        phone="303-555-0142", is_primary_mpoc=True, is_secondary_mpoc=False
    )
    agent = await sync_to_async(StaffFactory)()
    case = await sync_to_async(make_case)(by=agent, contact=contact, channel="phone", title="Voicemail full")
    console = WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[
            (b"host", b"testserver"),
            (b"origin", b"http://testserver"),
            (b"cookie", f"sessionid={await sync_to_async(cookie_for)(agent)}".encode()),
        ],
    )
    assert (await console.connect())[0]
    await until(console, "hello")
    response = await sync_to_async(post)(
        Client(), {"id": "pbx-9", "caller": "(303) 555-0142", "called": "+13035550100", "agent": agent.email}
    )
    assert response.status_code == 201
    pop = await until(console, "call")
    assert pop["contact"] == contact.name and pop["mpoc"] is True
    assert pop["organisation"] == (await sync_to_async(lambda: contact.organisation.name)())
    assert [c["number"] for c in pop["cases"]] == [case.number]
    await console.disconnect()


@pytest.mark.django_db
def test_transfer_to_a_specialist_is_recorded_on_the_case():
    contact = ContactFactory(phone="303-555-0142")
    rep, specialist = StaffFactory(), StaffFactory()
    case = make_case(by=rep, contact=contact, channel="phone")
    from django.utils import timezone

    call = calls.log_call(
        by=rep,
        direction="inbound",
        number="3035550142",
        started_at=timezone.now(),
        duration_seconds=60,
        case=case,
    )
    call = calls.transfer_call(call, by=rep, to=specialist, note="SIP trunk question")
    assert call.agent_id == specialist.pk
    assert case.events.filter(
        body__contains=f"transferred to {specialist.display_name}", public=False
    ).exists()
