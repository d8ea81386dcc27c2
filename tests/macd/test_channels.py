"""The approval gate and MACD requests on every channel: portal, console, e-mail (the MACD
form and the approvers' links) and API, including "all MPOCs" with one declining."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from casedesk.cases.models import Case
from casedesk.mail import intake
from casedesk.outbox.models import OutboundMessage
from casedesk.rules.calendar import DENVER
from tests.api.helpers import api_for
from tests.macd.helpers import approval_links, submit, world
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=DENVER)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _address(w, name: str) -> str:
    return f"{name}@{w.org.account_number.lower()}.example.com"


@time_machine.travel(MONDAY_9, tick=False)
def test_all_mpocs_one_declining_refused_on_every_channel() -> None:
    w = world(rule="all", mpocs=3)
    dana = _client(w.dana)
    form = {"title": "New hire", "type_0": "seat:add", "details_0": "Pat Doe", "speed": "standard"}
    preview = dana.post("/portal/macd/new/", {**form, "action": "preview"})
    assert preview.status_code == 200
    assert b"Estimated fee: $50.00" in preview.content  # a seat's typical 20 minutes, billed as 30
    assert not Case.objects.exists()  # the preview submits nothing
    submitted = dana.post("/portal/macd/new/", {**form, "action": "submit"})
    assert submitted.status_code == 302
    case = Case.objects.get(kind="macd")
    assert case.approval == "pending"
    number = case.number

    tech, tech_api = _client(w.tech), api_for(w.tech)
    # Staff see it, every work action is refused with the reason, on every channel.
    page = tech.get(f"/console/cases/{number}/")
    assert page.status_code == 200 and b"Awaiting approval" in page.content
    for url, body in [
        (f"/console/cases/{number}/transition/", {"to": "in_progress"}),
        (
            f"/console/cases/{number}/disposition/",
            {"priority": "P4", "team": w.team.pk, "assignee": w.tech.pk},
        ),
        (f"/console/cases/{number}/macd/time/", {"minutes": "16", "note": "Seat"}),
        (f"/console/cases/{number}/macd/timer/", {"action": "start"}),
        (f"/console/cases/{number}/macd/apply/", {}),
    ]:
        response = tech.post(url, body)
        assert response.status_code == 403, url
        assert b"awaiting approval" in response.content, url
    for path, body in [
        (f"/cases/{number}/transition", {"to": "in_progress"}),
        (f"/macd/{number}/time", {"minutes": 16, "note": "Seat"}),
        (f"/macd/{number}/apply", {}),
    ]:
        response = tech_api.post(path, body)
        assert response.status_code == 403 and "awaiting approval" in response.json()["detail"], path

    # Sam approves by the e-mailed link (a confirm page: opening it changes nothing).
    link = approval_links(_address(w, "sam"))["approve"].removeprefix("http://127.0.0.1:8000")
    assert Client().get(link).status_code == 200
    case.refresh_from_db()
    assert case.approval == "pending"
    done = Client().post(link, {"decision": "approve"})
    assert done.status_code == 200 and b"waits for the other MPOCs" in done.content
    assert Client().post(link, {"decision": "approve"}).status_code == 400  # used once
    # Kim declines through the API.
    declined = api_for(w.kim).post(f"/macd/{number}/decline", {"note": "Not budgeted"})
    assert declined.status_code == 200 and declined.json()["approval"] == "declined"
    assert api_for(w.kim).post(f"/macd/{number}/approve", {}).status_code == 400  # no second decision
    # Still refused everywhere; only closing is allowed.
    assert tech.post(f"/console/cases/{number}/macd/time/", {"minutes": "16", "note": "x"}).status_code == 403
    response = tech_api.post(f"/cases/{number}/transition", {"to": "in_progress"})
    assert response.status_code == 403 and "declined" in response.json()["detail"]
    closed = tech_api.post(f"/cases/{number}/transition", {"to": "closed", "resolution": "Declined."})
    assert closed.status_code == 200


@time_machine.travel(MONDAY_9, tick=False)
def test_portal_approval_then_work_and_the_fee() -> None:
    w = world(rule="all")
    case = submit(w.dana)
    sam = _client(w.sam)
    assert b"Approve" in sam.get(f"/portal/cases/{case.number}/").content
    assert sam.post(f"/portal/cases/{case.number}/macd/decide/", {"decision": "approve"}).status_code == 302
    case.refresh_from_db()
    assert case.approval == "approved"
    tech = _client(w.tech)
    assert (
        tech.post(f"/console/cases/{case.number}/macd/time/", {"minutes": "16", "note": "Seat"}).status_code
        == 302
    )
    live = _client(w.dana).get(f"/portal/cases/{case.number}/macd/live/")
    assert live.status_code == 200 and b"$50.00" in live.content
    again = _client(w.dana).get(f"/portal/cases/{case.number}/macd/live/", HTTP_IF_NONE_MATCH=live["ETag"])
    assert again.status_code == 304
    # A second decision is refused with the reason, nothing changed.
    refused = sam.post(f"/portal/cases/{case.number}/macd/decide/", {"decision": "decline"})
    assert refused.status_code == 400 and b"already approved" in refused.content


@time_machine.travel(MONDAY_9, tick=False)
def test_api_raise_list_and_show() -> None:
    w = world()
    body = {
        "title": "Leaver",
        "speed": "expedited",
        "changes": [{"kind": "licence", "op": "delete", "key": "teams/Teams Phone/pat@acme.example.com"}],
    }
    created = api_for(w.dana).post("/macd", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["approval"] == "approved" and data["speed"] == "expedited"
    assert data["estimated_fee"] == "175.00"  # 5 min typical: $25.00, plus the $150.00 expedite fee
    assert [r["number"] for r in api_for(w.sam).get("/macd").json()["items"]] == [data["number"]]
    assert api_for(w.lee).post("/macd", body).status_code == 403
    other = world()
    assert api_for(other.dana).get(f"/macd/{data['number']}").status_code == 404
    assert (
        api_for(w.tech).post(f"/macd/{data['number']}/time", {"minutes": 0, "note": "x"}).status_code == 400
    )


@time_machine.travel(MONDAY_9, tick=False)
def test_email_in_the_macd_form_opens_one_awaiting_approval() -> None:
    w = world()
    body = "Hello,\n\n- add user: Pat Doe, pat@acme.example.com\n- delete number +1 303 555 0100: Lee left\n"
    result = intake.ingest(make_mail(_address(w, "dana"), subject="MACD: Starter and leaver", body=body))
    assert result.outcome == "created", result
    case = Case.objects.get(pk=int(result.case.split("-")[1]))
    assert case.kind == "macd" and case.channel == "email"
    assert case.approval == "pending"  # the sender is not verified: her e-mail is no approval
    assert [c["op"] for c in case.macd.changes] == ["add", "delete"]
    assert OutboundMessage.objects.filter(kind="macd_approval", to=_address(w, "dana")).exists()
    assert OutboundMessage.objects.filter(kind="macd_approval", to=_address(w, "sam")).exists()


@time_machine.travel(MONDAY_9, tick=False)
def test_email_to_the_macd_address(settings) -> None:
    settings.CASEDESK_MACD_ADDRESSES = ["macd@example.com"]
    w = world()
    mail = make_mail(
        _address(w, "sam"), subject="New phone", body="- add device: Yealink T54W", to="macd@example.com"
    )
    result = intake.ingest(mail, envelope_to=["macd@example.com"])
    assert result.outcome == "created" and Case.objects.get(kind="macd").title == "New phone"


@time_machine.travel(MONDAY_9, tick=False)
def test_email_from_a_non_mpoc_or_without_changes_is_refused_with_the_reason() -> None:
    w = world()
    result = intake.ingest(make_mail(_address(w, "lee"), subject="MACD: New hire", body="- add user: Pat"))
    assert result.outcome == "refused"
    answer = OutboundMessage.objects.get(to=_address(w, "lee"))
    assert "Dana" in answer.text  # names the MPOCs to ask
    result = intake.ingest(
        make_mail(_address(w, "dana"), subject="MACD: something", body="Please sort it out.")
    )
    assert result.outcome == "refused" and "documented form" in (result.reason or "")
    assert "one change a line" in OutboundMessage.objects.filter(to=_address(w, "dana")).latest("id").text
    assert not Case.objects.exists()


def test_an_unknown_or_reused_link_changes_nothing() -> None:
    assert Client().get("/macd/approval/nope/").status_code == 404
    assert Client().post("/macd/approval/nope/", {"decision": "approve"}).status_code == 404
