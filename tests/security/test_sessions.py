"""Signed-in sessions: each a row keyed by a digest of its cookie, listed on the account page
with when, where and which browser, and ended for real from another browser."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from casedesk.signin import factors
from casedesk.signin.models import SignInSession
from casedesk.signin.store import digest
from tests.factories import AdministratorFactory, StaffFactory, customer
from tests.twofactor import code_at, code_for, give_authenticator

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1) Safari/604.1"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def sign_in(user, *, address: str, agent: str) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    assert client.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    if factors.has_second_factor(user):
        device = give_authenticator(user)
        assert client.post("/account/two-factor/verify/", {"code": code_for(device)}).status_code == 302
    return client


def test_the_session_table_keeps_a_digest_never_the_cookie():
    user = customer()
    client = sign_in(user, address="198.51.100.20", agent=CHROME)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not SignInSession.objects.filter(session_key=cookie).exists()
    row = SignInSession.objects.get(session_key=digest(cookie))
    assert (row.user, row.ip, row.user_agent) == (user, "198.51.100.20", CHROME)
    assert row.created_at is not None and row.last_seen_at is not None


def test_sessions_are_listed_and_one_ended_from_another_browser_is_signed_out():
    admin = AdministratorFactory()
    give_authenticator(admin)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        laptop = sign_in(admin, address="198.51.100.20", agent=CHROME)
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        phone = sign_in(admin, address="203.0.113.5", agent=IPHONE)
        page = laptop.get("/account/").content.decode()
    assert "Chrome on Linux" in page and "Safari on iPhone" in page
    assert "198.51.100.20" in page and "203.0.113.5" in page
    assert page.count('data-testid="end-session"') == 2 and "this session" in page
    assert phone.get("/console/").status_code == 200
    phone_id = digest(phone.cookies[settings.SESSION_COOKIE_NAME].value)
    # Nothing ends on a GET.
    assert laptop.get(f"/account/sessions/{phone_id}/end/").status_code == 405
    assert laptop.post(f"/account/sessions/{phone_id}/end/").status_code == 302
    ended = phone.get("/console/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    assert laptop.get("/console/").status_code == 200


def test_signing_out_every_other_session():
    tech = StaffFactory()
    clients = [sign_in(tech, address=f"198.51.100.{n}", agent=CHROME) for n in (1, 2, 3)]
    assert SignInSession.objects.filter(user=tech).count() == 3
    response = clients[0].post("/account/sessions/end-others/", follow=True)
    assert b"Signed out 2 other sessions" in response.content
    assert [c.get("/console/").status_code for c in clients] == [200, 302, 302]


def test_another_persons_session_cannot_be_ended():
    mine, theirs = StaffFactory(), StaffFactory()
    me = sign_in(mine, address="198.51.100.1", agent=CHROME)
    them = sign_in(theirs, address="198.51.100.2", agent=CHROME)
    their_id = digest(them.cookies[settings.SESSION_COOKIE_NAME].value)
    assert me.post(f"/account/sessions/{their_id}/end/").status_code == 404
    assert them.get("/console/").status_code == 200


def test_ending_this_session_signs_out():
    tech = StaffFactory()
    client = sign_in(tech, address="198.51.100.1", agent=CHROME)
    own = digest(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert client.post(f"/account/sessions/{own}/end/")["Location"] == "/login/"
    assert client.get("/console/").status_code == 302


def test_a_browsers_name_is_bounded_and_escaped():
    tech = StaffFactory()
    hostile = '<script>alert("x")</script>' + "A" * 1000 + "\x00\r\n"
    client = sign_in(tech, address="198.51.100.1", agent=hostile)
    row = SignInSession.objects.get(user=tech)
    assert len(row.user_agent) == 300 and "\x00" not in row.user_agent and "\n" not in row.user_agent
    page = client.get("/account/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_last_seen_is_written_at_most_once_a_minute():
    tech = StaffFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = sign_in(tech, address="198.51.100.1", agent=CHROME)
        client.get("/console/")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/console/")
        assert SignInSession.objects.get(user=tech).last_seen_at == start
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        client.get("/console/")
        assert SignInSession.objects.get(user=tech).last_seen_at == start + timedelta(seconds=90)


def test_a_new_password_or_second_factor_signs_out_the_other_sessions():
    tech = StaffFactory()
    first = sign_in(tech, address="198.51.100.1", agent=CHROME)
    second = sign_in(tech, address="198.51.100.2", agent=CHROME)
    first.post("/account/two-factor/enrol/", {"action": "begin"})
    device = factors.pending_device(tech)
    code = code_at(device.bin_key, time.time())
    done = first.post("/account/two-factor/enrol/", {"action": "confirm", "code": code})
    assert b"other session" in done.content
    assert second.get("/console/").status_code == 302
    third = sign_in(tech, address="198.51.100.3", agent=CHROME)
    new = "Another-pass-2026"
    changed = first.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert changed.status_code == 302
    assert third.get("/console/").status_code == 302 and first.get("/console/").status_code == 200


def test_an_administrator_resets_a_lost_second_factor():
    admin = AdministratorFactory()
    client = sign_in(admin, address="198.51.100.1", agent=CHROME)
    give_authenticator(admin)
    call_command("reset_second_factor", admin.email)
    assert not factors.has_second_factor(admin)
    assert client.get("/console/").status_code == 302
    again = Client()
    response = again.post("/login/", {"username": admin.email, "password": PASSWORD})
    assert response["Location"].startswith("/account/two-factor/enrol/")


def test_a_superuser_sees_and_signs_out_sessions_in_the_admin():
    tech = StaffFactory()
    laptop = sign_in(tech, address="198.51.100.4", agent=CHROME)
    admin = Client()
    admin.force_login(AdministratorFactory(is_superuser=True))
    listing = admin.get("/admin/signin/signinsession/").content.decode()
    assert str(tech) in listing and "Chrome on Linux" in listing and "198.51.100.4" in listing
    row = SignInSession.objects.get(user=tech)
    response = admin.post(
        "/admin/signin/signinsession/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert laptop.get("/console/").status_code == 302
    # The authenticator's key is not shown in the admin.
    device = give_authenticator(tech)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page


def test_the_gate_and_the_session_notes_cost_a_signed_in_page_no_query(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = AdministratorFactory()
    client = Client()
    client.force_login(admin)  # both factors: a verified session
    client.get("/console/")

    def queries(browser: Client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/console/").status_code == 200
        return len(ctx.captured_queries)

    with_them = queries(client)
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m.rsplit(".", 1)[-1] not in {"SecondFactorGate", "SessionNoteMiddleware"}
    ]
    without = Client()  # a client loads the middleware once: a new one, the same session
    without.cookies = client.cookies
    assert queries(without) == with_them
