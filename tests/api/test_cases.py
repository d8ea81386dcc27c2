from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent
from casedesk.core.uploads import Upload
from casedesk.rules.lifecycle import Status
from tests.api.helpers import api_for
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    team = TeamFactory(slug="cloud")
    voice = PlatformFactory(code="hosted-voice", name="Hosted Voice", team=team)
    org = OrganisationFactory(name="Acme Dental", platforms=[voice])
    alice = customer(org)
    staff = StaffFactory(email="tech@example.com")
    return SimpleNamespace(
        team=team,
        voice=voice,
        org=org,
        alice=alice,
        contact=alice.contact,
        staff=staff,
        as_alice=api_for(alice),
        as_staff=api_for(staff),
    )


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# --- list ----------------------------------------------------------------------------


def test_customer_lists_own_organisation_cases_newest_first(w):
    colleague = customer(w.org)
    first = make_case(by=w.alice, title="Phones down")
    second = make_case(by=colleague, title="Voicemail")
    make_case(title="Someone else's")
    response = w.as_alice.get("/cases")
    assert numbers(response) == [second.number, first.number]
    item = response.json()["items"][0]
    assert item["status"] == "new"
    assert item["status_label"] == "New"
    assert item["priority"] == "P4"
    assert item["organisation"] == {"id": w.org.pk, "name": "Acme Dental"}
    assert item["internal"] is None


def test_staff_lists_every_organisation_with_internal_fields(w):
    mine = make_case(by=w.alice)
    theirs = make_case()
    response = w.as_staff.get("/cases")
    assert numbers(response) == [theirs.number, mine.number]
    assert response.json()["items"][0]["internal"]["needs_triage"] is True


def test_list_filters(w):
    other_team = TeamFactory(slug="network")
    phones = make_case(by=w.alice, title="Phones down", platform=w.voice)
    closed = make_case(by=w.alice, title="Old fax question")
    actions.transition(closed, to="closed", by=w.staff, resolution="Answered")
    urgent = make_case(by=w.staff, contact=w.contact, title="Outage", priority="P1", team=other_team)
    urgent = actions.disposition(urgent, by=w.staff, priority="P1", team=other_team, assignee=w.staff)
    other = make_case(title="Elsewhere")

    api = w.as_staff
    assert numbers(api.get("/cases", state="closed")) == [closed.number]
    assert set(numbers(api.get("/cases", state="all"))) == {
        phones.number,
        closed.number,
        urgent.number,
        other.number,
    }
    assert numbers(api.get("/cases", status="closed", state="all")) == [closed.number]
    assert numbers(api.get("/cases", priority="P1")) == [urgent.number]
    assert numbers(api.get("/cases", platform="hosted-voice")) == [phones.number]
    assert numbers(api.get("/cases", q="phones")) == [phones.number]
    assert numbers(api.get("/cases", q=urgent.number)) == [urgent.number]
    assert numbers(api.get("/cases", organisation=other.organisation_id)) == [other.number]
    assert numbers(api.get("/cases", assignee="TECH@example.com")) == [urgent.number]
    assert numbers(api.get("/cases", assignee=str(w.staff.pk))) == [urgent.number]
    assert numbers(api.get("/cases", team="network")) == [urgent.number]
    assert numbers(api.get("/cases", team=str(other_team.pk))) == [urgent.number]


def test_list_refuses_bad_filters(w):
    assert w.as_staff.get("/cases", state="sometimes").status_code == 422
    assert w.as_staff.get("/cases", status="lost").status_code == 422
    assert w.as_staff.get("/cases", page_size=101).status_code == 422
    assert w.as_staff.get("/cases", page=0).status_code == 422
    response = w.as_staff.get("/cases", team="nope")
    assert response.status_code == 400
    assert "Unknown team" in response.json()["detail"]


def test_customer_may_not_filter_by_organisation(w):
    response = w.as_alice.get("/cases", organisation=w.org.pk)
    assert response.status_code == 403
    assert "support staff" in response.json()["detail"]


def test_list_pages_without_counting(w):
    cases = [make_case(by=w.alice, title=f"Case {i}") for i in range(5)]
    newest_first = [c.number for c in reversed(cases)]
    one = w.as_alice.get("/cases", page_size=2)
    assert one.json()["page"] == 1
    assert one.json()["has_next"] is True
    assert "count" not in one.json()
    assert numbers(one) == newest_first[:2]
    three = w.as_alice.get("/cases", page_size=2, page=3)
    assert numbers(three) == newest_first[4:]
    assert three.json()["has_next"] is False
    assert numbers(w.as_alice.get("/cases", page_size=2, page=9)) == []


# --- detail --------------------------------------------------------------------------


def test_detail_shows_public_timeline_to_customers_and_everything_to_staff(w):
    case = make_case(by=w.alice, title="Phones down", description="Since 9am", platform=w.voice)
    actions.add_comment(
        case, by=w.staff, body="Checking the SBC", uploads=[Upload("trace.txt", b"sip trace", "text/plain")]
    )
    actions.add_comment(
        case,
        by=w.staff,
        body="Vendor says firmware bug",
        public=False,
        uploads=[Upload("notes.pdf", b"%PDF")],
    )

    mine = w.as_alice.get(f"/cases/{case.number}")
    assert mine.status_code == 200
    data = mine.json()
    assert data["number"] == case.number
    assert data["description"] == "Since 9am"
    assert data["platform"] == {"code": "hosted-voice", "name": "Hosted Voice"}
    assert data["team"] == {"slug": "cloud", "name": w.team.name}
    assert data["status"] == "in_progress"
    assert data["internal"] is None
    assert [e["kind"] for e in data["timeline"]] == ["created", "comment", "status"]
    assert all(e["public"] for e in data["timeline"])
    assert "Vendor says firmware bug" not in mine.content.decode()
    [attachment] = data["attachments"]
    assert attachment["name"] == "trace.txt"
    assert attachment["size"] == len(b"sip trace")
    assert attachment["content_type"] == "text/plain"
    assert set(attachment) >= {"id", "name", "size", "content_type"}
    assert data["allowed_transitions"] == []

    full = w.as_staff.get(f"/cases/{case.number}").json()
    assert [e["kind"] for e in full["timeline"]] == ["created", "comment", "status", "note"]
    assert [a["name"] for a in full["attachments"]] == ["trace.txt", "notes.pdf"]
    assert full["internal"]["vendor"] == ""
    assert "closed" in full["allowed_transitions"]


def test_detail_accepts_short_case_numbers(w):
    case = make_case(by=w.alice)
    response = w.as_alice.get(f"/cases/{case.pk}")
    assert response.status_code == 200
    assert response.json()["number"] == case.number


def test_unknown_case_is_404(w):
    response = w.as_staff.get("/cases/CS-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case."}
    assert w.as_staff.get("/cases/not-a-number").status_code == 404


# --- create --------------------------------------------------------------------------


def test_customer_opens_a_case_as_p4_awaiting_triage(w):
    response = w.as_alice.post(
        "/cases", {"title": "Phones down", "description": "All handsets", "platform": "hosted-voice"}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=int(data["number"].split("-")[1]))
    assert data["priority"] == "P4"
    assert data["channel"] == "api"
    assert data["contact"]["id"] == w.contact.pk
    assert data["team"]["slug"] == "cloud"
    assert case.needs_triage
    assert case.created_by == w.alice


def test_staff_opens_a_case_for_a_contact_and_dispositions_it(w):
    response = w.as_staff.post(
        "/cases",
        {
            "title": "Circuit flapping",
            "contact_id": w.contact.pk,
            "priority": "P2",
            "team": "cloud",
            "assignee": "tech@example.com",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["priority"] == "P2"
    assert data["assignee"]["id"] == w.staff.pk
    assert data["internal"]["needs_triage"] is False
    assert data["organisation"]["id"] == w.org.pk


def test_staff_must_name_the_contact(w):
    response = w.as_staff.post("/cases", {"title": "Who is this for?"})
    assert response.status_code == 400
    assert "contact" in response.json()["detail"]


def test_unknown_platform_is_400(w):
    response = w.as_alice.post("/cases", {"title": "Phones down", "platform": "carrier-pigeon"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unknown platform")
    assert not Case.objects.exists()


def test_a_title_with_a_line_break_is_400_with_the_reason(w):
    response = w.as_alice.post("/cases", {"title": "Phones down\r\nBcc: all@example.com"})
    assert response.status_code == 400
    assert "single line" in response.json()["detail"]
    assert not Case.objects.exists()


def test_platform_the_organisation_does_not_have_is_refused(w):
    PlatformFactory(code="webex")
    response = w.as_alice.post("/cases", {"title": "Meetings", "platform": "webex"})
    assert response.status_code == 400
    assert "no service" in response.json()["detail"]


def test_another_organisations_contact_is_404(w):
    stranger = ContactFactory()
    response = w.as_alice.post("/cases", {"title": "Hello", "contact_id": stranger.pk})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such contact."}
    assert w.as_staff.post("/cases", {"title": "Hello", "contact_id": 999_999}).status_code == 404
    assert not Case.objects.exists()


def test_customer_may_not_open_for_a_colleague_or_set_staff_fields(w):
    colleague = ContactFactory(organisation=w.org)
    response = w.as_alice.post("/cases", {"title": "Hello", "contact_id": colleague.pk})
    assert response.status_code == 403
    response = w.as_alice.post("/cases", {"title": "Hello", "priority": "P1"})
    assert response.status_code == 403
    assert "priority" in response.json()["detail"]
    own = w.as_alice.post("/cases", {"title": "Hello", "contact_id": w.contact.pk})
    assert own.status_code == 201


def test_customer_who_is_not_an_mpoc_is_told_who_is(w):
    ContactFactory(organisation=w.org, name="Maria Main", email="maria@example.com", is_primary_mpoc=True)
    bystander = customer(w.org, mpoc=False)
    response = api_for(bystander).post("/cases", {"title": "Phones down"})
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "Maria Main <maria@example.com>" in detail
    assert w.contact.name in detail
    assert not Case.objects.exists()


def test_blank_title_is_400(w):
    response = w.as_alice.post("/cases", {"title": "   "})
    assert response.status_code == 400
    assert response.json() == {"detail": "The title is required."}


# --- comments ------------------------------------------------------------------------


def test_customer_comments_are_always_public(w):
    case = make_case(by=w.alice)
    response = w.as_alice.post(f"/cases/{case.number}/comments", {"body": "Still down", "public": False})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "comment"
    assert data["public"] is True
    assert data["body"] == "Still down"
    assert data["actor"]["name"] == w.alice.display_name


def test_staff_internal_note_is_hidden_from_the_customer(w):
    case = make_case(by=w.alice)
    response = w.as_staff.post(
        f"/cases/{case.number}/comments", {"body": "Escalate to vendor", "public": False}
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    timeline = w.as_alice.get(f"/cases/{case.number}").json()["timeline"]
    assert "Escalate to vendor" not in [e["body"] for e in timeline]


def test_empty_comment_is_400(w):
    case = make_case(by=w.alice)
    response = w.as_alice.post(f"/cases/{case.number}/comments", {"body": ""})
    assert response.status_code == 400
    assert "comment" in response.json()["detail"]


def test_customer_cannot_comment_on_a_closed_case(w):
    case = make_case(by=w.alice)
    actions.transition(case, to="closed", by=w.staff, resolution="Fixed")
    response = w.as_alice.post(f"/cases/{case.number}/comments", {"body": "Thanks"})
    assert response.status_code == 400
    assert "reopen" in response.json()["detail"]


# --- transition ----------------------------------------------------------------------


def test_staff_moves_a_case_on_hold_until_a_future_time(w):
    case = make_case(by=w.alice)
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = w.as_staff.post(
        f"/cases/{case.number}/transition",
        {"to": "on_hold", "hold_until": until.isoformat(), "note": "Waiting for the site visit"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "on_hold"
    case.refresh_from_db()
    assert case.on_hold_until == until


def test_hold_in_the_past_is_400(w):
    case = make_case(by=w.alice)
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = w.as_staff.post(f"/cases/{case.number}/transition", {"to": "on_hold", "hold_until": past})
    assert response.status_code == 400
    assert response.json() == {"detail": "On Hold needs a time in the future."}


def test_hold_until_without_an_offset_is_422(w):
    case = make_case(by=w.alice)
    response = w.as_staff.post(
        f"/cases/{case.number}/transition", {"to": "on_hold", "hold_until": "2099-01-01T09:00:00"}
    )
    assert response.status_code == 422
    assert "hold_until" in response.json()["detail"]


def test_transition_the_plan_does_not_allow_is_400_with_the_reason(w):
    case = make_case(by=w.alice)
    response = w.as_alice.post(f"/cases/{case.number}/transition", {"to": "closed"})
    assert response.status_code == 400
    assert response.json()["detail"] == "A customer cannot move a case from New to Closed."
    case.refresh_from_db()
    assert case.status == "new"


def test_shipping_needs_a_tracking_number_and_records_the_carrier(w):
    case = make_case(by=w.alice)
    url = f"/cases/{case.number}/transition"
    refused = w.as_staff.post(url, {"to": "shipping"})
    assert refused.status_code == 400
    assert "tracking number" in refused.json()["detail"]
    response = w.as_staff.post(url, {"to": "shipping", "tracking_number": "1Z999", "shipping_carrier": "UPS"})
    assert response.status_code == 200
    assert response.json()["tracking_number"] == "1Z999"
    assert response.json()["shipping_carrier"] == "UPS"


def test_duplicate_names_the_main_case(w):
    main = make_case(by=w.alice, title="Phones down")
    dupe = make_case(by=w.alice, title="Phones down again")
    response = w.as_staff.post(
        f"/cases/{dupe.number}/transition", {"to": "duplicate", "main_case": main.number}
    )
    assert response.status_code == 200, response.content
    assert response.json()["duplicate_of"] == main.number
    assert response.json()["closed_at"] is not None
    missing = w.as_staff.post(
        f"/cases/{main.number}/transition", {"to": "duplicate", "main_case": "CS-999999"}
    )
    assert missing.status_code == 400


def test_customer_confirms_a_resolution(w):
    case = make_case(by=w.alice)
    actions.transition(case, to="resolved_follow_up", by=w.staff, note="Replaced the handset")
    response = w.as_alice.post(f"/cases/{case.number}/transition", {"to": "closed", "note": "Works now"})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["resolution"] == "Works now"


def test_unknown_status_is_422(w):
    case = make_case(by=w.alice)
    response = w.as_staff.post(f"/cases/{case.number}/transition", {"to": "vanished"})
    assert response.status_code == 422


# --- reopen --------------------------------------------------------------------------


def test_reopen_within_the_window_reopens_the_same_case(w):
    case = make_case(by=w.alice)
    actions.transition(case, to="closed", by=w.staff, resolution="Fixed")
    response = w.as_alice.post(f"/cases/{case.number}/reopen", {"note": "It broke again"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "reopen"
    assert data["case"]["number"] == case.number
    assert data["case"]["status"] == Status.CUSTOMER_REOPENED.value


def test_reopen_after_the_window_opens_a_follow_up(w):
    case = make_case(by=w.alice, title="Phones down")
    actions.transition(case, to="closed", by=w.staff, resolution="Fixed")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        response = w.as_alice.post(f"/cases/{case.number}/reopen", {"note": "Down again"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "follow_up"
    assert data["case"]["number"] != case.number
    assert data["case"]["follow_up_of"] == case.number
    assert data["case"]["title"] == "Follow-up: Phones down"


def test_reopen_of_an_open_case_adds_the_note_as_a_comment(w):
    case = make_case(by=w.alice)
    response = w.as_alice.post(f"/cases/{case.number}/reopen", {"note": "Any news?"})
    assert response.status_code == 200
    assert response.json()["outcome"] == "already_open"
    assert CaseEvent.objects.filter(case=case, kind="comment", body="Any news?").exists()


# --- disposition ---------------------------------------------------------------------


def test_staff_dispositions_a_case(w):
    case = make_case(by=w.alice)
    network = TeamFactory(slug="network")
    response = w.as_staff.post(
        f"/cases/{case.number}/disposition",
        {"priority": "P2", "team": "network", "assignee": "tech@example.com"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["priority"] == "P2"
    assert data["team"]["slug"] == network.slug
    assert data["assignee"]["id"] == w.staff.pk
    assert data["internal"]["needs_triage"] is False


def test_disposition_keeps_fields_left_out_and_clears_those_sent_as_null(w):
    case = make_case(by=w.alice, platform=w.voice)
    case = actions.disposition(case, by=w.staff, priority="P3", team=w.team, assignee=w.staff)
    url = f"/cases/{case.number}/disposition"
    data = w.as_staff.post(url, {"priority": "P1"}).json()
    assert (data["priority"], data["team"]["slug"], data["assignee"]["id"]) == ("P1", "cloud", w.staff.pk)
    data = w.as_staff.post(url, {"assignee": None}).json()
    assert (data["priority"], data["team"]["slug"], data["assignee"]) == ("P1", "cloud", None)


def test_disposition_refusals(w):
    case = make_case(by=w.alice)
    url = f"/cases/{case.number}/disposition"
    customer_try = w.as_alice.post(url, {"priority": "P1"})
    assert customer_try.status_code == 403
    assert "support staff" in customer_try.json()["detail"]
    assert w.as_staff.post(url, {"priority": "P1G"}).json() == {"detail": "P1G is reserved for master cases."}
    assert w.as_staff.post(url, {"team": "nope"}).status_code == 400
    unknown = w.as_staff.post(url, {"assignee": w.alice.email})
    assert unknown.status_code == 400
    assert "support staff" in unknown.json()["detail"]
