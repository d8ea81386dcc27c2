"""The console's chat and call pages, as plain forms."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from casedesk.cases.models import Case
from casedesk.chat import actions
from casedesk.chat.models import Call
from casedesk.rules.calendar import DENVER
from casedesk.rules.chat import Identity, Side
from tests.factories import ContactFactory, RepresentativeFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open():
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=False):
        yield


def test_queue_shows_waiting_chats_and_accept_opens_the_chat(client):
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    tech = StaffFactory()
    client.force_login(tech)
    page = client.get(reverse("console:chats"))
    assert page.status_code == 200 and chat.name in page.content.decode()
    response = client.post(reverse("console:chat_accept", args=[chat.pk]))
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.technician_id == tech.pk
    response = client.post(
        reverse("console:chat_send", args=[chat.pk]), {"body": "Hello there", "key": "abc"}
    )
    assert response.status_code == 302
    page = client.get(reverse("console:chat", args=[chat.pk]))
    assert "Hello there" in page.content.decode()


def test_customer_cannot_see_the_console_chat(client):
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    client.force_login(customer())
    assert client.get(reverse("console:chat", args=[chat.pk])).status_code == 403


def test_turn_into_a_p2_case(client):
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    rep = StaffFactory()
    actions.accept(chat, by=rep)
    actions.send(chat, side=Side.CUSTOMER, body="Site down", key="x1")
    client.force_login(rep)
    response = client.post(
        reverse("console:chat_to_case", args=[chat.pk]), {"priority": "P2", "title": "Site down"}
    )
    assert response.status_code == 302
    case = Case.objects.get(channel="chat")
    assert case.priority == "P2" and "Site down" in case.description


def test_log_a_call_finds_the_caller_and_notes_it_on_the_case(client):
    contact = ContactFactory(phone="(303) 555-0142")
    rep = RepresentativeFactory()
    case = make_case(by=rep, contact=contact, channel="phone")
    client.force_login(rep)
    page = client.get(reverse("console:call_new"), {"number": "+1 303-555-0142"})
    assert contact.name in page.content.decode()
    response = client.post(
        reverse("console:call_new"),
        {
            "number": "3035550142",
            "contact": contact.pk,
            "direction": "inbound",
            "minutes": "4",
            "seconds": "5",
            "notes": "Reset the handset",
            "case": case.number,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    call = Call.objects.get()
    assert (call.contact_id, call.case_id, call.duration_seconds) == (contact.pk, case.pk, 245)
    assert case.events.filter(body__contains="Reset the handset", public=False).exists()


def test_satisfaction_shows_in_the_sla_report(client):
    from tests.factories import ManagerFactory

    for score in (5, 4, 2):
        chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
        actions.end(chat, side=Side.CUSTOMER)
        actions.rate(chat, score=score)
    client.force_login(ManagerFactory())
    page = client.get(reverse("console:sla_report")).content.decode()
    assert "3.67 out of 5 on average from 3 ratings (67% rated 4 or 5)" in page


def test_customer_sends_a_file_with_the_attachments_checks_and_staff_download_it(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    chat = actions.start_chat(
        identity=Identity.VISITOR, name="Ann", email="ann@example.com", organisation="Acme"
    )
    url = reverse("chat_upload")
    bad = client.post(
        url, {"chat": chat.pk, "token": "wrong", "key": "f0", "file": SimpleUploadedFile("a.txt", b"hi")}
    )
    assert bad.status_code == 404
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00rest", content_type="application/octet-stream")
    refused = client.post(url, {"chat": chat.pk, "token": chat.token, "key": "f1", "file": exe})
    assert refused.status_code == 400 and "not accepted" in refused.json()["detail"]
    log = SimpleUploadedFile("sip-trace.txt", b"INVITE sip:1000@pbx", content_type="text/plain")
    sent = client.post(url, {"chat": chat.pk, "token": chat.token, "key": "f2", "file": log})
    assert sent.status_code == 201
    message_id = sent.json()["id"]
    download = reverse("chat_file", args=[message_id])
    assert client.get(download).status_code == 404  # not the chat's customer, not staff
    mine = client.get(download, {"token": chat.token})
    assert mine.status_code == 200 and mine["X-Content-Type-Options"] == "nosniff"
    assert mine["Content-Disposition"].startswith("attachment")
    client.force_login(StaffFactory())
    assert b"INVITE" in b"".join(client.get(download).streaming_content)


def test_saved_replies_are_filled_for_the_person_chatting(client):
    from casedesk.workbench.models import SavedReply

    chat = actions.start_chat(
        identity=Identity.VISITOR, name="Ann Lee", email="ann@example.com", organisation="Birch"
    )
    tech = StaffFactory(first_name="Theo")
    SavedReply.objects.create(
        owner=tech, title="Hello", body="Hi {contact.first_name}, {agent.first_name} here."
    )
    actions.accept(chat, by=tech)
    client.force_login(tech)
    page = client.get(reverse("console:chat", args=[chat.pk])).content.decode()
    assert 'value="Hi Ann, Theo here."' in page


def test_ratings_show_in_the_satisfaction_report_with_their_comments(client):
    """The reports' satisfaction figures read the chat ratings: the average per period, the
    share rated 4 or 5, the latest comments (escaped), and an organisation filter narrows them."""
    from tests.factories import ManagerFactory

    mine = customer()
    for user, score, note in (
        (mine, 5, "Quick <b>fix</b>"),
        (mine, 4, ""),
        (customer(), 2, "Waited too long"),
    ):
        chat = actions.start_chat(identity=Identity.PORTAL, user=user)
        actions.end(chat, side=Side.CUSTOMER)
        actions.rate(chat, score=score, note=note)
    client.force_login(ManagerFactory())
    day = "2026-12-02"
    page = client.get("/console/reports/satisfaction/", {"start": day, "end": day}).content.decode()
    assert "3.67" in page and "67%" in page and "<svg" in page
    assert "Quick &lt;b&gt;fix&lt;/b&gt;" in page and "Waited too long" in page
    org = mine.contact.organisation_id
    narrowed = client.get(
        "/console/reports/satisfaction/", {"start": day, "end": day, "organisation": org}
    ).content.decode()
    assert "4.50" in narrowed and "Waited too long" not in narrowed
    export = client.get("/console/reports/satisfaction/", {"start": day, "end": day, "format": "csv"})
    assert "3.67" in export.content.decode()
