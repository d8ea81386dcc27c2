"""The chat widget outside hours in the portal, and embedded in another site for a visitor."""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from casedesk.chat.models import Chat
from casedesk.rules.calendar import DENVER
from tests.browser.asgi import free_port, serve
from tests.browser.test_case_flow import login
from tests.factories import OrganisationFactory, StaffFactory, customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@time_machine.travel(datetime(2026, 12, 6, 17, 0, tzinfo=DENVER), tick=True)
def test_outside_hours_the_widget_says_when_chat_opens_and_takes_a_message(browser, shot):
    mpoc = customer(OrganisationFactory(name="Acme Dental"))
    with serve() as base:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        login(page, base, mpoc.email)
        page.click("text=Chat with us")
        page.wait_for_selector("text=Chat is closed now. It opens Monday 7 December at 05:00 MST.")
        assert (
            page.locator(".cdchat-panel a:has-text('Open a case instead')").get_attribute("href")
            == "/portal/cases/new/"
        )
        shot(page, "chat-closed-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "chat-closed-390")
        page.fill(".cdchat-panel textarea[name=message]", "Please call me back about the fax line")
        page.click(".cdchat-panel button:has-text('Leave a message')")
        page.wait_for_selector("text=a technician answers it by e-mail when chat opens")
        chat = Chat.objects.get()
        assert chat.left_message and chat.state == "waiting"
        context.close()


@time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True)
def test_embedded_on_another_site_a_visitor_chats(browser, shot, tmp_path: Path, settings):
    StaffFactory(first_name="Theo", last_name="Tran", email="theo@example.com")
    with serve() as base:
        (tmp_path / "index.html").write_text(
            "<!doctype html><html><head><meta charset=utf-8><title>Example provider</title></head>"
            "<body><h1>Example provider: support</h1>"
            f'<script src="{base}/static/casedesk/chat-widget.js" data-server="{base}" defer></script>'
            "</body></html>"
        )
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
        port = free_port()
        settings.CASEDESK_CHAT_ORIGINS = [f"localhost:{port}"]
        site = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        try:
            visitor = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            visitor.goto(f"http://localhost:{port}/index.html")  # another origin than the desk's
            visitor.click("text=Chat with us")
            visitor.fill(".cdchat-panel input[name=name]", "Ann Visitor")
            visitor.fill(".cdchat-panel input[name=email]", "ann@example.com")
            visitor.fill(".cdchat-panel input[name=organisation]", "Birch Clinic")
            visitor.click(".cdchat-panel button:has-text('Start chat')")
            visitor.wait_for_selector("text=a technician will be with you shortly")
            visitor.fill(".cdchat-compose textarea", "Do you support SIP trunks?")
            visitor.keyboard.press("Enter")
            visitor.wait_for_selector(
                ".cdchat-line[data-id]:not(.cdchat-sending) >> text=Do you support SIP trunks?"
            )
            shot(visitor, "chat-embedded-390")

            tech = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            login(tech, base, "theo@example.com")
            tech.goto(f"{base}/console/chats/")
            tech.click("[data-testid=chat-queue] tr:has-text('Ann Visitor') button:has-text('Accept')")
            tech.wait_for_selector("#chat-log >> text=Do you support SIP trunks?")
            tech.fill("#chat-input", "We do: which platform are you on?")
            tech.click("#chat-reply button[type=submit]")
            visitor.wait_for_selector(".cdchat-panel >> text=We do: which platform are you on?")
            trace = tmp_path / "sip-trace.txt"
            trace.write_text("INVITE sip:1000@pbx.example.com SIP/2.0\n")
            visitor.set_input_files(".cdchat-file", str(trace))
            visitor.wait_for_selector(".cdchat-panel >> text=Download sip-trace.txt")
            tech.wait_for_selector("#chat-log a:has-text('sip-trace.txt')")
            # The upload's answer was readable across origins: the note is back as it was.
            visitor.wait_for_selector(".cdchat-note >> text=You are chatting with Theo Tran.")
            chat = Chat.objects.get()
            assert (chat.identity, chat.name, chat.organisation_name, chat.contact_id) == (
                "visitor",
                "Ann Visitor",
                "Birch Clinic",
                None,
            )
        finally:
            site.shutdown()
