"""Portal and console pages, through Django's test client against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core.uploads import Upload
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


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_by_email_and_landing_pages():
    user = customer()
    client = Client()
    response = client.post("/login/", {"username": user.email.upper(), "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/portal/"
    staff = StaffFactory()
    client = Client()
    client.post("/login/", {"username": staff.email, "password": "pass-word-123"})
    assert client.get("/").headers["Location"] == "/console/"


def test_login_failures_answer_alike_and_are_rate_limited():
    user = customer()
    client = Client()
    known = client.post("/login/", {"username": user.email, "password": "wrong"})
    unknown = client.post("/login/", {"username": "nobody@example.com", "password": "wrong"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    for _ in range(10):
        client.post("/login/", {"username": user.email, "password": "wrong"})
    blocked = client.post("/login/", {"username": user.email, "password": "pass-word-123"})
    assert b"Too many attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_portal_opens_a_case_with_an_attachment():
    platform = PlatformFactory(team=TeamFactory())
    org = OrganisationFactory(platforms=[platform])
    user = customer(org)
    client = logged_in(user)
    response = client.post(
        "/portal/cases/new/",
        {
            "platform": platform.pk,
            "title": "Reception phone dead",
            "description": "No dial tone since 9am",
            "attachments": [SimpleUploadedFile("photo.jpg", b"\xff\xd8jpeg", "image/jpeg")],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{case.number}/"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert f"New Case {case.number} is open as Priority 4" in text
    assert "No dial tone since 9am" in text and "photo.jpg" in text
    assert case.channel == "portal" and case.needs_triage


def test_portal_refuses_non_mpoc_naming_the_mpocs():
    org = OrganisationFactory()
    ContactFactory(organisation=org, name="Pat Primary", is_primary_mpoc=True, is_secondary_mpoc=False)
    user = customer(org, mpoc=False)
    client = logged_in(user)
    page = client.get("/portal/cases/new/")
    assert page.status_code == 403 and b"Pat Primary" in page.content
    response = client.post("/portal/cases/new/", {"title": "x", "description": "y"})
    assert response.status_code == 403 and not Case.objects.exists()


def test_portal_refusals_are_pages_not_errors():
    user = customer()
    client = logged_in(user)
    big = SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")
    response = client.post("/portal/cases/new/", {"title": "t", "description": "d", "attachments": [big]})
    assert response.status_code == 400 and b"not accepted" in response.content
    response = client.post("/portal/cases/new/", {"title": "", "description": ""})
    assert response.status_code == 400 and b"required" in response.content
    response = client.post("/portal/cases/new/", {"title": "Phones\r\ndown", "description": "d"})
    assert response.status_code == 400 and b"single line" in response.content
    assert not Case.objects.exists()
    assert client.get("/portal/cases/CS-999999/").status_code == 404
    assert client.get("/portal/cases/not-a-number/").status_code == 404


def test_portal_comment_reopen_and_confirm():
    staff = StaffFactory()
    user = customer()
    case = make_case(by=user)
    client = logged_in(user)
    assert client.get(f"/portal/cases/{case.number}/comment/").status_code == 405  # no change on GET
    client.post(f"/portal/cases/{case.number}/comment/", {"body": "More detail <b>here</b>"})
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "More detail &lt;b&gt;here&lt;/b&gt;" in page
    actions.transition(case, to="resolved_follow_up", by=staff, note="Try now")
    client.post(f"/portal/cases/{case.number}/confirm/")
    case.refresh_from_db()
    assert case.status == "closed"
    response = client.post(f"/portal/cases/{case.number}/reopen/", {"note": "Broken again"})
    case.refresh_from_db()
    assert response.status_code == 302 and case.status == "customer_reopened"


def test_portal_filters_and_search():
    user = customer()
    make_case(by=user, title="Alpha phones")
    beta = make_case(by=user, title="Beta circuit")
    actions.transition(beta, to="closed", by=StaffFactory(), resolution="done")
    client = logged_in(user)
    assert b"Beta circuit" not in client.get("/portal/?state=open").content
    assert b"Beta circuit" in client.get("/portal/?state=closed").content
    assert b"Alpha phones" not in client.get("/portal/?q=beta", follow=True).content
    assert b"Beta circuit" in client.get(f"/portal/?q={beta.number}", follow=True).content


def test_download_is_an_attachment_with_nosniff():
    user = customer()
    case = make_case(by=user, uploads=[Upload("notes.txt", b"<html><script>alert(1)</script>")])
    attachment = case.attachments.get()
    response = logged_in(user).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content).startswith(b"<html>")


def test_internal_note_attachments_are_staff_only():
    staff = StaffFactory()
    user = customer()
    case = make_case(by=user)
    actions.add_comment(case, by=staff, body="note", public=False, uploads=[Upload("internal.txt", b"x")])
    attachment = case.attachments.get()
    assert logged_in(user).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert logged_in(staff).get(f"/attachments/{attachment.pk}/").status_code == 200


def test_console_triage_disposition_reply_flow():
    team = TeamFactory()
    staff = StaffFactory()
    team.members.add(staff)
    user = customer()
    case = make_case(by=user)
    client = logged_in(staff)
    assert case.number.encode() in client.get("/console/queue/triage/").content
    client.post(
        f"/console/cases/{case.number}/disposition/",
        {"priority": "P2", "team": team.pk, "assignee": staff.pk},
    )
    assert case.number.encode() not in client.get("/console/queue/triage/").content
    assert case.number.encode() in client.get("/console/queue/mine/").content
    assert case.number.encode() in client.get("/console/queue/team/").content
    client.post(f"/console/cases/{case.number}/comment/", {"body": "Engineer dispatched"})
    client.post(f"/console/cases/{case.number}/comment/", {"body": "secret", "internal": "on"})
    case.refresh_from_db()
    assert (case.priority, case.status, case.assignee) == ("P2", "in_progress", staff)
    portal = logged_in(user).get(f"/portal/cases/{case.number}/").content
    assert b"Engineer dispatched" in portal and b"secret" not in portal


def test_console_transition_refusal_says_why_and_changes_nothing():
    staff = StaffFactory()
    case = make_case()
    client = logged_in(staff)
    past = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/console/cases/{case.number}/transition/", {"to": "on_hold", "hold_until": past})
    assert response.status_code == 400 and b"On Hold needs a time in the future" in response.content
    response = client.post(
        f"/console/cases/{case.number}/transition/", {"to": "duplicate", "main_case": "CS-424242"}
    )
    assert response.status_code == 400 and b"There is no case CS-424242" in response.content
    case.refresh_from_db()
    assert case.status == "new"


def test_console_details_link_and_duplicate():
    staff = StaffFactory()
    user = customer()
    a, b = make_case(by=user), make_case(by=user)
    client = logged_in(staff)
    etr = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/console/cases/{a.number}/details/", {"vendor": "CarrierCo", "vendor_ticket": "T-9", "etr": etr}
    )
    client.post(f"/console/cases/{a.number}/link/", {"other": b.number})
    client.post(
        f"/console/cases/{b.number}/transition/", {"to": "duplicate", "main_case": a.number, "note": "same"}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.vendor == "CarrierCo" and a.etr is not None and b in a.related.all()
    assert b.status == "duplicate" and b.duplicate_of == a
    page = client.get(f"/console/cases/{a.number}/").content.decode()
    assert "CarrierCo" in page and b.number in page


def test_open_a_case_for_a_caller_found_by_phone():
    staff = StaffFactory()
    org = OrganisationFactory(name="Initech")
    mpoc = ContactFactory(organisation=org, name="Peter Gibbons", phone="(303) 555-0142")
    plain = ContactFactory(organisation=org, name="Milton W", phone="303-555-0199", is_secondary_mpoc=False)
    client = logged_in(staff)
    found = client.get("/console/contacts/?q=3035550142").content.decode()
    assert "Peter Gibbons" in found and "Milton" not in found
    assert "Milton W" in client.get("/console/contacts/?q=milton").content.decode()
    refused = client.get(f"/console/cases/new/?contact={plain.pk}")
    assert b"main points of contact" in refused.content
    response = client.post(
        "/console/cases/new/", {"contact": mpoc.pk, "title": "All lines down", "priority": "P1"}
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.contact, case.channel, case.priority, case.needs_triage) == (mpoc, "phone", "P1", False)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_run_a_fixed_number_of_queries(settings):
    staff = StaffFactory()
    team = TeamFactory()
    team.members.add(staff)
    org = OrganisationFactory(platforms=[PlatformFactory(team=team)])
    user = customer(org)
    for i in range(30):
        case = make_case(by=user, title=f"case {i}", platform=org.platforms.first())
        if i % 2:
            actions.disposition(case, by=staff, priority="P3", team=team, assignee=staff)
    portal, console = logged_in(user), logged_in(staff)
    urls = [(portal, "/portal/?state=all")] + [
        (console, f"/console/queue/{q}/") for q in ("triage", "mine", "team", "open")
    ]
    for client, url in urls:
        settings.CASEDESK_PAGE_SIZE = 5
        small = _queries(client, url)
        settings.CASEDESK_PAGE_SIZE = 25
        large = _queries(client, url)
        # A console queue also reads its tab counts (one aggregate), the saved views and
        # the filters' choices (organisations, platforms, teams, staff): 12 at most.
        limit = 12 if url.startswith("/console/") else 10
        assert small == large <= limit, (url, small, large)
