"""The facts card rendered in Python (`web/facts_html`) gives the markup of the template
it replaced (`case_facts_before.html`, kept here as the oracle), whatever the case holds,
with every outside value escaped."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines

from casedesk.accounts.models import Contact
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.rules import partners
from casedesk.web import facts_html
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

BEFORE = engines["django"].from_string((Path(__file__).parent / "case_facts_before.html").read_text())
HOSTILE = '<script>alert("x")</script> & O\'Brien'


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html).strip())


def _both(case: Case, now) -> tuple[str, str]:
    case = Case.objects.select_related(
        "organisation", "contact__delegate_of__organisation", "platform", "team", "assignee"
    ).get(pk=case.pk)
    return _same(facts_html.render(case, now)), _same(BEFORE.render({"case": case, "now": now}))


def test_a_new_case_reads_as_the_template_read():
    now = clock.now()
    ours, theirs = _both(make_case(), now)
    assert ours == theirs
    assert "Priority" in ours and 'data-testid="status"' in ours


def test_every_fact_and_every_deadline_reads_as_the_template_read_with_outside_text_escaped():
    now = clock.now()
    org = OrganisationFactory(name=HOSTILE)
    contact = ContactFactory(organisation=org, name=HOSTILE)
    staff = StaffFactory(first_name=HOSTILE)
    case = make_case(by=StaffFactory(), contact=contact, title=HOSTILE)
    Case.objects.filter(pk=case.pk).update(
        platform=PlatformFactory(name=HOSTILE),
        team=TeamFactory(name=HOSTILE),
        assignee=staff,
        first_response_due=now + timedelta(hours=3),
        next_update_due=now - timedelta(minutes=40),
        completion_due=now + timedelta(days=2),
        auto_close_at=now + timedelta(days=1),
        sla_paused=True,
        escalation_level=2,
        etr=now + timedelta(hours=5),
        on_hold_until=now + timedelta(hours=6),
        vendor=HOSTILE,
        vendor_ticket=HOSTILE,
        shipping_carrier=HOSTILE,
        tracking_number="1Z<999>",
        resolution=f"{HOSTILE}\nsecond line",
        needs_triage=True,
    )
    ours, theirs = _both(case, now)
    assert ours == theirs
    assert "<script>" not in ours and "&lt;script&gt;" in ours
    assert "in 3\xa0hours" in ours and "overdue by 40\xa0minutes" in ours


def test_a_macd_request_a_closed_case_and_a_partners_delegate_read_as_the_template_read():
    now = clock.now()
    partner = OrganisationFactory(name="Acme Partners", kind=partners.Kind.PARTNER.value)
    customer = OrganisationFactory(name="Alder Dental", partner=partner)
    delegate = ContactFactory(organisation=customer, name="Pat Partner")
    Contact.objects.filter(pk=delegate.pk).update(
        delegate_of=ContactFactory(organisation=partner, name="Pat"),
        partner_scope="full",
        is_primary_mpoc=False,
        is_secondary_mpoc=False,
        is_financial_contact=False,
    )
    macd = make_case(by=StaffFactory(), contact=delegate)
    Case.objects.filter(pk=macd.pk).update(kind="macd", approval="pending")
    closed = make_case()
    Case.objects.filter(pk=closed.pk).update(
        status="closed", closed_at=now - timedelta(days=1), duplicate_of=macd, follow_up_of=macd
    )
    for case in (macd, closed):
        ours, theirs = _both(case, now)
        assert ours == theirs
    assert "Acme Partners, for Alder Dental" in _both(macd, now)[0]
    assert "Duplicate of" in _both(closed, now)[0]
