"""Times are shown on the reader's clock in words (`Wed 2 Dec 2026, 12:44 MST`), never as
ISO strings: staff by their profile, customers by their organisation, else the plan's
zone; e-mails by the case's organisation; the public status page always the plan's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from casedesk.core import when
from casedesk.outbox.models import OutboundMessage
from tests.factories import OrganisationFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 19, 44, 0, 129470, tzinfo=UTC)  # 12:44 in Denver
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def test_human_forms():
    denver = when.plan_zone()
    assert when.human(NOW, zone=denver) == "Wed 2 Dec 2026, 12:44 MST"
    assert when.human(NOW, "date", zone=denver) == "Wed 2 Dec 2026"
    assert when.human(NOW, "time", zone=denver) == "12:44 MST"
    assert when.human(NOW, "day", zone=denver) == "Wed 2 Dec, 12:44 MST"
    assert when.human(NOW.isoformat(), zone=denver) == "Wed 2 Dec 2026, 12:44 MST"  # history values
    assert when.human(None) == ""


def test_durations():
    assert when.duration(timedelta(minutes=125)) == "2 h 05 min"
    assert when.duration(timedelta(days=3, hours=4, minutes=2)) == "3 days 4 h"
    assert when.duration(45) == "45 s"
    assert when.duration(240, minutes=True) == "4 h"
    assert when.duration(None) == "—"


@pytest.fixture
def case():
    with time_machine.travel(NOW, tick=False):
        return make_case(by=customer(OrganisationFactory(time_zone="America/New_York")), title="Clock test")


def _page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_read_their_own_zone_or_the_plans(case):
    plain = StaffFactory()
    page = _page(plain, f"/console/cases/{case.number}/")
    assert "Wed 2 Dec 2026, 12:44 MST" in page
    chicago = StaffFactory(time_zone="America/Chicago")
    page = _page(chicago, f"/console/cases/{case.number}/")
    assert "Wed 2 Dec 2026, 13:44 CST" in page and "12:44 MST" not in page
    assert not ISO.search(re.sub(r'(datetime|data-due)="[^"]*"', "", page))  # only machine attributes


def test_customers_read_their_organisations_zone(case):
    page = _page(case.contact.user, f"/portal/cases/{case.number}/")
    assert "Wed 2 Dec 2026, 14:44 EST" in page


def test_case_mail_is_written_on_the_organisations_clock(case):
    ack = OutboundMessage.objects.filter(kind="case_opened").first()
    assert ack is not None
    # the resolution notice names when the case closes, in New York time
    from casedesk.cases import actions
    from casedesk.rules.lifecycle import Status

    staff = StaffFactory()
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        actions.transition(case, by=staff, to=Status.RESOLVED, note="Replaced the handset.")
    resolved = OutboundMessage.objects.get(kind="case_resolved")
    assert re.search(r"\d{1,2}:\d\d E[SD]T", resolved.text), resolved.text
    assert not ISO.search(resolved.text)


def test_the_status_page_keeps_the_plans_zone_whoever_renders_it(settings):
    from casedesk.status import versions
    from casedesk.statuspage import pages

    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    pages._memo.clear()
    versions.forget()
    chicago = StaffFactory(time_zone="America/Chicago")
    with time_machine.travel(NOW, tick=False):
        page = _page(chicago, "/status/")
    assert "Wed 2 Dec 2026, 12:45 MST" in page and "CST" not in page
