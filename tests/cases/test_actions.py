"""Actions: the plan's rules applied to real rows, whichever channel calls them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casedesk.cases import actions, selectors
from casedesk.cases.models import Attachment, Case, CaseEvent, Channel
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.core.uploads import Upload, clean_name
from casedesk.rules.lifecycle import ReopenOutcome, Status
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


@pytest.fixture
def staff():
    return StaffFactory()


def test_customer_case_opens_p4_needing_triage_with_the_platform_team():
    team = TeamFactory()
    platform = PlatformFactory(team=team)
    org = OrganisationFactory(platforms=[platform])
    user = customer(org)
    case = make_case(by=user, platform=platform, description="No dial tone")
    assert (case.priority, case.needs_triage, case.status, case.team) == ("P4", True, "new", team)
    assert case.number == f"CS-{case.pk:06d}"
    created = case.events.get()
    assert (created.kind, created.actor, created.body, created.public) == (
        "created",
        user,
        "No dial tone",
        True,
    )


def test_customer_cannot_choose_priority_or_assignee(staff):
    user = customer()
    case = actions.open_case(by=user, title="x", channel=Channel.API, priority="P1", assignee=staff)
    assert case.priority == "P4" and case.assignee is None and case.needs_triage


def test_non_mpoc_is_refused_with_the_mpocs_named():
    org = OrganisationFactory(name="Globex")
    ContactFactory(
        organisation=org,
        name="Pat Primary",
        email="pat@globex.example.com",
        is_primary_mpoc=True,
        is_secondary_mpoc=False,
    )
    ContactFactory(organisation=org, name="Sid Second", email="sid@globex.example.com")
    user = customer(org, mpoc=False)
    with pytest.raises(Forbidden) as exc:
        make_case(by=user)
    assert "Pat Primary <pat@globex.example.com>" in str(exc.value)
    assert "Sid Second" in str(exc.value)
    assert not Case.objects.exists()


def test_staff_open_for_a_caller_must_pick_an_mpoc(staff):
    org = OrganisationFactory()
    mpoc = ContactFactory(organisation=org)
    other = ContactFactory(organisation=org, is_secondary_mpoc=False)
    case = actions.open_case(by=staff, contact=mpoc, title="Site down", channel=Channel.PHONE, priority="P1")
    assert (case.priority, case.needs_triage, case.channel) == ("P1", False, "phone")
    with pytest.raises(Forbidden, match="main points of contact"):
        actions.open_case(by=staff, contact=other, title="x", channel=Channel.PHONE)
    with pytest.raises(Refused, match="master cases"):
        actions.open_case(by=staff, contact=mpoc, title="x", channel=Channel.PHONE, priority="P1G")


def test_unknown_or_foreign_platform_is_refused():
    user = customer()
    with pytest.raises(Refused, match="no service on the platform"):
        make_case(by=user, platform=PlatformFactory())
    assert not Case.objects.exists()


def test_title_is_required_and_bounded():
    user = customer()
    with pytest.raises(Refused, match="title is required"):
        make_case(by=user, title="  ")
    with pytest.raises(Refused, match="at most 200"):
        make_case(by=user, title="x" * 201)


def test_attachments_are_checked_before_anything_is_written(settings):
    settings.CASEDESK_ATTACHMENT_MAX_BYTES = 1000
    user = customer()
    with pytest.raises(Refused, match="limit"):
        make_case(by=user, uploads=[Upload("big.pdf", b"x" * 1001)])
    with pytest.raises(Refused, match="not accepted"):
        make_case(by=user, uploads=[Upload("invoice.pdf.html", b"<script>")])
    with pytest.raises(Refused, match="not accepted"):
        make_case(by=user, uploads=[Upload("logo.png", b"<svg/>", "image/svg+xml")])
    assert not Case.objects.exists() and not Attachment.objects.exists()
    case = make_case(by=user, uploads=[Upload("../../etc/passwd log.txt", b"hello")])
    attachment = case.attachments.get()
    assert attachment.name == "passwd log.txt"
    assert "passwd" not in attachment.file.name and attachment.file.name.startswith(f"attachments/{case.pk}/")
    assert attachment.file.read() == b"hello"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a/b/c.txt", "c.txt"),
        ("C:\\x\\y.doc", "y.doc"),
        ("\x00evil\n.pdf", "evil.pdf"),
        ("...", "attachment"),
        ("résumé.pdf", "résumé.pdf"),
        ("a;rm -rf.txt", "a_rm -rf.txt"),
    ],
)
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


def test_transition_records_who_what_and_from_what(staff):
    case = make_case()
    case = actions.transition(case, to="in_progress", by=staff)
    hold = timezone.now() + timedelta(days=1)
    case = actions.transition(case, to="on_hold", by=staff, hold_until=hold, note="Waiting for carrier")
    assert case.on_hold_until == hold
    event = case.events.filter(kind=CaseEvent.Kind.STATUS).last()
    assert event.actor == staff and event.body == "Waiting for carrier"
    assert event.changes["status"] == ["in_progress", "on_hold"]
    case = actions.transition(case, to="in_progress", by=staff)
    assert case.on_hold_until is None


def test_refused_transition_changes_nothing(staff):
    case = make_case()
    before = case.events.count()
    with pytest.raises(Refused, match="future"):
        actions.transition(case, to="on_hold", by=staff, hold_until=timezone.now() - timedelta(hours=1))
    with pytest.raises(Refused, match="tracking"):
        actions.transition(case, to="shipping", by=staff)
    with pytest.raises(Refused, match="resolution"):
        actions.transition(case, to="closed", by=staff)
    with pytest.raises(Refused, match="Unknown status"):
        actions.transition(case, to="gone", by=staff)
    case.refresh_from_db()
    assert case.status == "new" and case.events.count() == before


def test_duplicate_needs_a_main_case_of_the_same_organisation(staff):
    user = customer()
    case, main = make_case(by=user), make_case(by=user)
    foreign = make_case()
    with pytest.raises(Refused, match="main case"):
        actions.transition(case, to="duplicate", by=staff)
    with pytest.raises(Refused, match="main case"):
        actions.transition(case, to="duplicate", by=staff, main_case=foreign)
    case = actions.transition(case, to="duplicate", by=staff, main_case=main)
    assert case.duplicate_of == main and case.closed_at is not None


def test_customer_reopens_within_seven_days_and_gets_follow_up_after(staff):
    user = customer()
    with time_machine.travel("2026-11-02 10:00 -0700", tick=False):
        case = make_case(by=user)
        case = actions.transition(case, to="closed", by=staff, resolution="Done")
    with time_machine.travel("2026-11-09 09:59 -0700", tick=False):
        outcome, same = actions.request_reopen(case, by=user, note="Broken again")
    assert outcome == ReopenOutcome.REOPEN and same.pk == case.pk
    assert same.status == Status.CUSTOMER_REOPENED.value and same.closed_at is None
    with time_machine.travel("2026-11-10 10:00 -0700", tick=False):
        same = actions.transition(same, to="closed", by=staff, resolution="Done again")
    with time_machine.travel("2026-11-17 10:01 -0700", tick=False):
        outcome, follow_up = actions.request_reopen(same, by=user, note="And again")
    assert outcome == ReopenOutcome.FOLLOW_UP and follow_up.pk != case.pk
    assert follow_up.follow_up_of == case and case in follow_up.related.all()
    assert case.number in follow_up.description and "And again" in follow_up.description
    assert follow_up.priority == "P4" and follow_up.needs_triage
    case.refresh_from_db()
    assert case.status == Status.CLOSED.value


def test_closed_no_response_opens_a_follow_up(staff):
    user = customer()
    case = make_case(by=user)
    actions.add_comment(case, by=staff, body="Which extension?", asks_customer=True)
    case = actions.transition(case, to="closed_no_response", by=None)
    outcome, follow_up = actions.request_reopen(case, by=user)
    assert outcome == ReopenOutcome.FOLLOW_UP and follow_up.follow_up_of == case
    with pytest.raises(Refused, match="new case"):
        actions.transition(case, to="customer_reopened", by=user)


def test_customer_comments_only_on_own_open_cases(staff):
    user = customer()
    case = make_case(by=user)
    with pytest.raises(NotFound):
        actions.add_comment(case, by=customer(), body="hi")
    event = actions.add_comment(case, by=user, body="Any news?", public=False)
    assert event.public  # customers cannot write internal notes
    actions.transition(case, to="closed", by=staff, resolution="ok")
    with pytest.raises(Refused, match="reopen"):
        actions.add_comment(case, by=user, body="hi")


def test_internal_notes_are_hidden_from_customers(staff):
    user = customer()
    case = make_case(by=user)
    actions.add_comment(case, by=staff, body="customer is grumpy", public=False)
    actions.add_comment(case, by=staff, body="We are on it")
    assert [e.body for e in selectors.timeline(case, user) if e.kind == "comment"] == ["We are on it"]
    assert "customer is grumpy" not in [e.body for e in selectors.timeline(case, user)]
    assert "customer is grumpy" in [e.body for e in selectors.timeline(case, staff)]


def test_disposition_leaves_triage_and_is_audited(staff):
    case = make_case()
    team = TeamFactory()
    case = actions.disposition(case, by=staff, priority="P2", team=team, assignee=staff)
    assert (case.priority, case.team, case.assignee, case.needs_triage) == ("P2", team, staff, False)
    change = case.events.get(kind="change")
    assert change.changes["priority"] == ["P4", "P2"] and change.actor == staff
    with pytest.raises(Forbidden):
        actions.disposition(case, by=customer(case.organisation), priority="P1", team=None, assignee=None)
    with pytest.raises(Refused, match="master"):
        actions.disposition(case, by=staff, priority="P1G", team=None, assignee=None)


def test_details_vendor_etr(staff):
    case = make_case()
    etr = timezone.now() + timedelta(hours=6)
    case = actions.update_details(case, by=staff, vendor="CarrierCo", vendor_ticket="CC-1", etr=etr)
    assert (case.vendor, case.vendor_ticket, case.etr) == ("CarrierCo", "CC-1", etr)
    with pytest.raises(Refused, match="future"):
        actions.update_details(case, by=staff, etr=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Refused, match="cannot be changed"):
        actions.update_details(case, by=staff, organisation_id=5)


def test_related_links_both_ways(staff):
    a, b = make_case(), make_case()
    actions.link_related(a, b, by=staff)
    assert b in a.related.all() and a in b.related.all()
    actions.link_related(a, b, by=staff, unlink=True)
    assert not a.related.exists()
    with pytest.raises(Refused):
        actions.link_related(a, a, by=staff)


def test_stale_object_does_not_overwrite_a_newer_change(staff):
    case = make_case()
    stale = Case.objects.get(pk=case.pk)
    actions.update_details(case, by=staff, vendor="CarrierCo")
    actions.transition(stale, to="in_progress", by=staff)
    case.refresh_from_db()
    assert (case.vendor, case.status) == ("CarrierCo", "in_progress")


def test_a_contact_acts_without_a_login(staff):
    """E-mail and phone intake act for a Contact who may have no portal account."""
    org = OrganisationFactory()
    mpoc = ContactFactory(organisation=org, name="Mail Only", user=None)
    case = actions.open_case(by=mpoc, title="Sent by e-mail", channel=Channel.EMAIL, priority="P1")
    assert (case.contact, case.priority, case.needs_triage, case.created_by) == (mpoc, "P4", True, None)
    event = actions.add_comment(case, by=mpoc, body="More by e-mail")
    assert (event.actor, event.contact, event.author_name, event.actor_kind) == (
        None,
        mpoc,
        "Mail Only",
        "customer",
    )
    with pytest.raises(NotFound):
        actions.add_comment(make_case(), by=mpoc, body="not my case")
    plain = ContactFactory(organisation=org, is_secondary_mpoc=False)
    with pytest.raises(Forbidden, match="Mail Only"):
        actions.open_case(by=plain, title="x", channel=Channel.EMAIL)
    with pytest.raises(Forbidden):
        actions.disposition(case, by=mpoc, priority="P1", team=None, assignee=None)
