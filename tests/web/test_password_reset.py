"""Forgotten passwords: a link by e-mail that works once and for two hours, the same answer
for known and unknown addresses, limits per address and per client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casedesk.core import clock
from casedesk.outbox.models import OutboundMessage
from casedesk.web.sweeps import password_resets
from tests.factories import StaffFactory, customer

pytestmark = pytest.mark.django_db

NEW = "granite-Otter-7412"


def _ask(client: Client, email: str):
    answer = client.post("/password/reset/", {"email": email})
    password_resets(clock.now())  # the sweep that sends the link, off the request path
    return answer


def _link() -> str:
    message = OutboundMessage.objects.get(kind="password_reset")
    match = re.search(r"http://[^/]+(/password/reset/[^/\s]+/[^/\s]+/)", message.text)
    assert match, message.text
    return match.group(1)


def _choose(client: Client, link: str, password: str = NEW):
    landing = client.get(link)
    assert landing.status_code == 302  # the token moves into the session, out of the URL
    form = client.get(landing["Location"])
    assert form.status_code == 200 and b"new_password1" in form.content
    return client.post(landing["Location"], {"new_password1": password, "new_password2": password})


def test_known_and_unknown_addresses_get_the_same_answer():
    user = customer()
    known = _ask(Client(), user.email.upper())
    unknown = _ask(Client(), "nobody@nowhere.example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password/reset/sent/"
    assert OutboundMessage.objects.filter(kind="password_reset").count() == 1
    message = OutboundMessage.objects.get()
    assert message.to == user.email and message.headers["Auto-Submitted"] == "auto-generated"
    page = Client().get("/password/reset/sent/")
    assert b"If the address belongs to an account" in page.content


def test_the_link_sets_a_new_password_once():
    user = customer()
    _ask(Client(), user.email)
    link = _link()
    client = Client()
    done = _choose(client, link)
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    assert Client().login(username=user.email, password=NEW)
    again = Client().get(link)
    assert again.status_code == 404 and b"cannot be used" in again.content


def test_the_link_expires_after_two_hours():
    staff = StaffFactory()
    _ask(Client(), staff.email)
    link = _link()
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert Client().get(link).status_code == 404


def test_a_weak_password_is_refused_and_the_link_still_works():
    user = customer()
    _ask(Client(), user.email)
    client = Client()
    refused = _choose(client, _link(), password="password")
    assert refused.status_code == 200 and b"too common" in refused.content
    assert not Client().login(username=user.email, password="password")
    assert _choose(Client(), _link()).status_code == 302


def test_no_link_for_inactive_accounts():
    user = customer()
    user.is_active = False
    user.save()
    assert _ask(Client(), user.email)["Location"] == "/password/reset/sent/"
    assert not OutboundMessage.objects.exists()


def test_asking_is_limited_per_client_and_address_alike_for_unknown_ones():
    user = customer()
    for address in (user.email, "ghost@nowhere.example.org"):
        answers = [_ask(Client(REMOTE_ADDR="10.0.0.1"), address).status_code for n in range(4)]
        assert answers == [302, 302, 302, 429]
    # Asking from elsewhere still works (nobody can stop the owner asking), but one address
    # receives a bounded number of links.
    assert [_ask(Client(REMOTE_ADDR=f"10.0.1.{n}"), user.email).status_code for n in range(3)] == [302] * 3
    assert OutboundMessage.objects.filter(kind="password_reset").count() == 3
    one_office = Client(REMOTE_ADDR="10.9.9.9")
    answers = [_ask(one_office, f"person{n}@nowhere.example.org").status_code for n in range(21)]
    assert answers[:20] == [302] * 20 and answers[20] == 429
    assert b"Too many reset requests" in _ask(one_office, "x@nowhere.example.org").content


def test_an_address_is_required():
    answer = _ask(Client(), "not an address")
    assert answer.status_code == 400 and b"Enter the e-mail address" in answer.content


def test_the_login_page_offers_the_reset():
    assert b'href="/password/reset/"' in Client().get("/login/").content
