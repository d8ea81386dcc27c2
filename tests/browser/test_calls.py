"""A call in the browser: the phone system reports it, the agent's console pops the caller
with their open cases, and the agent logs the call on the case."""

from __future__ import annotations

import json
import time

import pytest
import requests

from casedesk.chat.models import Call
from casedesk.rules import chat as rules
from tests.browser.asgi import serve
from tests.browser.test_case_flow import login
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_screen_pop_then_log_the_call_on_the_case(browser, shot, settings):
    settings.CASEDESK_TELEPHONY_SECRET = "pbx-secret"
    org = OrganisationFactory(name="Acme Dental")
    caller = ContactFactory(
        organisation=org,
        name="Pat Primary",
        phone="303-555-0142",
        is_primary_mpoc=True,
        is_secondary_mpoc=False,
    )
    agent = StaffFactory(first_name="Theo", last_name="Tran", email="theo@example.com")
    case = make_case(by=agent, contact=caller, channel="phone", title="Voicemail greeting wrong")
    with serve() as base:
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        login(page, base, agent.email)
        page.goto(f"{base}/console/chats/")
        page.wait_for_timeout(500)  # the console's socket is open
        body = json.dumps(
            {"id": "pbx-77", "caller": "(303) 555-0142", "called": "+13035550100", "agent": agent.email}
        ).encode()
        ts = str(int(time.time()))
        answer = requests.post(
            f"{base}/api/v1/calls",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Casedesk-Timestamp": ts,
                "X-Casedesk-Signature": rules.webhook_signature("pbx-secret", ts, body),
            },
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        pop = page.wait_for_selector(".screen-pop")
        assert "Pat Primary · Acme Dental (MPOC)" in pop.inner_text()
        assert case.number in pop.inner_text()
        shot(page, "call-pop-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "call-pop-390")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.click(".screen-pop a:has-text('Log this call')")
        assert (
            page.locator("select[name=contact] option:checked").inner_text()
            == "Pat Primary · Acme Dental (MPOC)"
        )
        page.fill("input[name=minutes]", "6")
        page.fill("textarea[name=notes]", "Re-recorded the greeting with the customer.")
        page.fill("input[name=case]", case.number)
        shot(page, "call-new-1366")
        with page.expect_navigation():
            page.click("button:has-text('Log the call')")
        page.wait_for_selector("text=Re-recorded the greeting with the customer.")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/console/calls/new/?number=3035550142")
        shot(page, "call-new-390")
        logged = Call.objects.exclude(external_id="pbx-77").get()
        assert (logged.case_id, logged.duration_seconds, logged.contact_id) == (case.pk, 360, caller.pk)
