"""What opening a case costs the database, whichever channel asks (portal, API, e-mail,
chat): one insert each of the case, its timeline and its acknowledgement, one statement
for its search document and title words, the acknowledgement's suppression check and
thread link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.accounts.models import Contact
from casedesk.accounts.permissions import abilities_of
from casedesk.cases import actions
from casedesk.cases.models import Channel
from casedesk.sla import config
from tests.factories import OrganisationFactory, StaffFactory, customer

pytestmark = pytest.mark.django_db


# The search document and its title words: one statement on PostgreSQL, two on SQLite (FTS5).
SEARCH = 1 if connection.vendor == "postgresql" else 2


def test_opening_a_case_for_a_caller_takes_one_statement_a_row_kind():
    # As the channels find the caller: with their organisation.
    contact = Contact.objects.select_related("organisation").get(user=customer(OrganisationFactory()))
    staff = StaffFactory()
    abilities_of(staff)  # the role's abilities, read once per request (the API reads them with the token)
    config.current()  # the calendars and policies, kept for a minute
    with CaptureQueriesContext(connection) as ctx:
        case = actions.open_case(
            by=staff, title="Calls drop", channel=Channel.PHONE, contact=contact, priority="P3"
        )
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 5 + SEARCH, "\n".join(statements)
    assert case.outbound.count() == 1  # the acknowledgement, queued with the case


def test_an_opening_returns_the_timeline_it_wrote():
    contact = Contact.objects.select_related("organisation").get(user=customer(OrganisationFactory()))
    staff = StaffFactory()
    opened = actions.open_one(
        actions.Opening(by=staff, title="Calls drop", channel=Channel.PHONE, contact=contact, assignee=staff)
    )
    assert [e.kind for e in opened.timeline] == ["created", "status"]  # picked up at once
    assert opened.event is opened.timeline[0]
    assert list(opened.case.events.order_by("at", "id")) == list(opened.timeline)
