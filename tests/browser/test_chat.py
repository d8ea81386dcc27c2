"""Live chat in two browsers: a customer chats from the portal, a technician accepts,
answers and turns the chat into a P2 case, which the customer then finds in the portal.
The customer's browser goes offline and comes back: nothing lost, nothing doubled."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from casedesk.cases.models import Case
from casedesk.chat.models import ChatMessage
from casedesk.rules.calendar import DENVER
from tests.browser.asgi import serve
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def customer_lines(page) -> list[str]:
    return page.locator(".cdchat-line[data-id] .cdchat-text").all_inner_texts()


def console_lines(page) -> list[str]:
    return page.locator("#chat-log .chat-line .chat-body").all_inner_texts()


@time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True)
def test_chat_becomes_a_p2_case_and_survives_going_offline(browser, shot):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    org = OrganisationFactory(name="Acme Dental")
    ContactFactory(organisation=org, name="Pat Primary", is_primary_mpoc=True, is_secondary_mpoc=False)
    mpoc = customer(org, name="Casey Mpoc")
    StaffFactory(first_name="Theo", last_name="Tran", email="theo@example.com")

    with serve() as base:
        them = browser.new_context(viewport={"width": 1366, "height": 900})
        us = browser.new_context(viewport={"width": 1366, "height": 900})
        cust = them.new_page()
        tech = us.new_page()
        errors: list[str] = []
        for page in (cust, tech):
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        login(cust, base, mpoc.email)
        cust.click("text=Chat with us")
        cust.click("text=Start chat")
        cust.wait_for_selector("text=a technician will be with you shortly")
        cust.fill(".cdchat-compose textarea", "All phones at the Denver office are down")
        cust.keyboard.press("Enter")
        cust.wait_for_selector(
            ".cdchat-line[data-id]:not(.cdchat-sending) >> text=All phones at the Denver office are down"
        )

        login(tech, base, "theo@example.com")
        tech.goto(f"{base}/console/chats/")
        tech.wait_for_selector("[data-testid=chat-queue] >> text=Casey Mpoc")
        shot(tech, "chat-queue-1366")
        tech.click("[data-testid=chat-queue] button:has-text('Accept')")
        tech.wait_for_selector("#chat-log >> text=All phones at the Denver office are down")
        cust.wait_for_selector("text=You are chatting with Theo Tran")

        tech.fill("#chat-input", "Sorry to hear that. Checking the trunk now.")
        tech.click("#chat-reply button[type=submit]")
        cust.wait_for_selector(".cdchat-panel >> text=Checking the trunk now")
        tech.wait_for_selector("#chat-log >> text=Checking the trunk now")
        assert tech.url.endswith("/")  # sent over the socket, no page load

        # The customer's connection drops; both sides keep writing.
        them.set_offline(True)
        cust.wait_for_selector(".cdchat.cdchat-offline")
        cust.fill(".cdchat-compose textarea", "Written while offline")
        cust.keyboard.press("Enter")
        tech.fill("#chat-input", "Are you still there?")
        tech.click("#chat-reply button[type=submit]")
        tech.wait_for_selector("#chat-log >> text=Are you still there?")
        them.set_offline(False)
        cust.wait_for_selector(".cdchat-panel >> text=Are you still there?")
        tech.wait_for_selector("#chat-log >> text=Written while offline")
        cust.wait_for_selector(".cdchat-line[data-id]:not(.cdchat-sending) >> text=Written while offline")

        cust.set_viewport_size({"width": 1366, "height": 900})
        shot(cust, "chat-portal-1366")
        tech.wait_for_load_state()  # a reply sent before the socket opened went as a form post
        tech.select_option("[data-testid=to-case] select[name=priority]", "P2")
        tech.fill("[data-testid=to-case] input[name=title]", "Denver office phones down")
        with tech.expect_navigation():
            tech.click("[data-testid=to-case] button[type=submit]")
        tech.wait_for_selector("[data-testid=chat-case]")
        number = tech.locator("[data-testid=chat-case]").inner_text()
        assert re.fullmatch(r"[A-Z]+-\d+", number)
        cust.wait_for_selector(f".cdchat-panel >> text=Case {number} is open")
        shot(tech, "chat-console-1366")

        expected = [
            "All phones at the Denver office are down",
            "Sorry to hear that. Checking the trunk now.",
            "Written while offline",
            "Are you still there?",
        ]
        for text in expected:
            assert customer_lines(cust).count(text) == 1, customer_lines(cust)
            assert console_lines(tech).count(text) == 1, console_lines(tech)
            assert ChatMessage.objects.filter(body=text).count() == 1

        case = Case.objects.get(channel="chat")
        assert case.priority == "P2" and case.contact.user_id == mpoc.pk
        assert "Written while offline" in case.description

        cust.goto(f"{base}/portal/")
        cust.wait_for_selector(f"text={number}")
        assert cust.locator("text=Denver office phones down").count() >= 1
        # The chat comes back after the page load, opened where it was.
        cust.wait_for_selector(".cdchat-panel >> text=Are you still there?")
        assert customer_lines(cust).count("Are you still there?") == 1

        for page, name in ((cust, "chat-portal"), (tech, "chat-console")):
            page.set_viewport_size({"width": 390, "height": 844})
            if page is tech:
                page.reload()
            shot(page, f"{name}-390")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        them.close()
        us.close()
