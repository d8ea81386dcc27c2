"""Two processes sweeping at once on PostgreSQL: each notice (the no-response warning too)
and transition happens once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casedesk.cases import actions
from casedesk.cases.models import Channel
from casedesk.escalation import sweeps
from casedesk.outbox.models import OutboundMessage
from tests.cases.test_concurrency import in_threads
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MT = ZoneInfo("America/Denver")


def test_concurrent_sweeps_send_each_breach_and_close_each_case_once():
    tech, manager = StaffFactory(), StaffFactory()
    team = TeamFactory(manager=manager)
    mpoc = ContactFactory(organisation=OrganisationFactory())
    user = customer()
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=MT), tick=False):
        for i in range(5):
            actions.open_case(
                by=tech,
                contact=mpoc,
                title=f"Down {i}",
                channel=Channel.PHONE,
                priority="P1",
                team=team,
                assignee=tech,
            )
        waiting = make_case(by=user)
        actions.add_comment(waiting, by=tech, body="Send a trace please", asks_customer=True)
    warn = datetime(2026, 11, 24, 10, 0, tzinfo=MT)  # a business day before the closure
    with time_machine.travel(warn, tick=False):
        in_threads(2, lambda i: sweeps.warn_no_response(warn))
    assert OutboundMessage.objects.filter(kind="no_response_warning").count() == 1
    assert waiting.events.filter(changes__has_key="close_warning").count() == 1
    now = datetime(2026, 11, 25, 10, 0, tzinfo=MT)
    with time_machine.travel(now, tick=False):
        in_threads(2, lambda i: (sweeps.sla_alerts(now), sweeps.close_no_response(now)))
    assert OutboundMessage.objects.filter(kind="sla_breach").count() == 5
    assert OutboundMessage.objects.filter(kind="no_response").count() == 1
    waiting.refresh_from_db()
    assert waiting.status == "closed_no_response"
    assert waiting.events.filter(kind="status", changes__status__1="closed_no_response").count() == 1
