"""The roles in the actions and selectors: every channel is refused alike, saying what and why."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, StaffRole, User
from casedesk.cases import actions, selectors
from casedesk.cases.models import Channel
from casedesk.core.errors import Forbidden, NotFound
from casedesk.outbox.models import MessageLink
from casedesk.rules.lifecycle import Actor, ReopenOutcome
from casedesk.rules.permissions import DEFAULTS, Ability
from casedesk.rules.permissions import StaffRole as Role
from casedesk.status import masters
from tests.factories import (
    AdministratorFactory,
    BillingFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    RepresentativeFactory,
    StaffFactory,
    TeamFactory,
    UserFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = OrganisationFactory(name="Globex")
    ContactFactory(
        organisation=org,
        name="Pat Primary",
        email="pat@globex.example.com",
        is_primary_mpoc=True,
        is_secondary_mpoc=False,
    )
    return org


def test_staff_roles_are_seeded_from_the_rules_defaults():
    rows = {row.key: row for row in StaffRole.objects.all()}
    assert set(rows) == {r.value for r in Role}
    for role in Role:
        assert rows[role.value].ability_set == DEFAULTS[role]
        assert rows[role.value].name == role.label


# -- customers -----------------------------------------------------------------------------


def demoted(user: User) -> User:
    """The user, no longer a main point of contact (as when the organisation names others)."""
    Contact.objects.filter(user=user).update(is_primary_mpoc=False, is_secondary_mpoc=False)
    return User.objects.get(pk=user.pk)


def test_a_contact_who_is_not_an_mpoc_sees_only_the_cases_they_take_part_in(org):
    mpoc, lee = customer(org), customer(org)
    own = make_case(by=lee, title="Lee's own")  # opened while Lee was an MPOC
    other = make_case(by=mpoc, title="Not Lee's")
    written = make_case(by=mpoc, title="Lee wrote on it")
    mailed = make_case(by=mpoc, title="Lee is on the thread")
    actions.add_comment(written, by=lee.contact, body="By e-mail: me too")
    MessageLink.objects.create(
        message_id="<n@x>", case=mailed, direction="out", address=lee.email.upper(), created_at=own.opened_at
    )
    lee = demoted(lee)
    visible = set(selectors.cases_visible_to(lee).values_list("title", flat=True))
    assert visible == {"Lee's own", "Lee wrote on it", "Lee is on the thread"}
    assert set(selectors.cases_visible_to(mpoc).values_list("title", flat=True)) == visible | {"Not Lee's"}
    with pytest.raises(NotFound):
        selectors.get_case(lee, other.number)
    with pytest.raises(NotFound):
        actions.add_comment(other, by=lee, body="let me in")
    assert actions.add_comment(own, by=lee, body="Still broken").public


def test_only_mpocs_reopen_confirm_and_escalate_and_the_refusal_names_them(org):
    mpoc, lee = customer(org), customer(org)
    staff = StaffFactory()
    case = make_case(by=lee)
    lee = demoted(lee)
    actions.transition(case, to="resolved_follow_up", by=staff, note="Fixed?")
    for attempt in (
        lambda: actions.transition(case, to="closed", by=lee),
        lambda: actions.request_reopen(case, by=lee, note="not fixed"),  # rejects the resolution
        lambda: actions.raise_escalation(case, by=lee, actor=Actor.CUSTOMER, level=1, body="x"),
    ):
        with pytest.raises(Forbidden) as exc:
            attempt()
        assert "Only the main points of contact of Globex may" in str(exc.value)
        assert "Pat Primary <pat@globex.example.com>" in str(exc.value)
    actions.transition(case, to="closed", by=mpoc)
    with pytest.raises(Forbidden, match="may ask to reopen a case"):
        actions.request_reopen(case, by=lee.contact)  # by e-mail, too
    outcome, _ = actions.request_reopen(case, by=mpoc, note="again")
    assert outcome == ReopenOutcome.REOPEN


def test_a_financial_contact_is_a_contact_with_billing():
    org = OrganisationFactory()
    fran = customer(org, mpoc=False, is_financial_contact=True)
    held = permissions.abilities_of(fran)
    assert Ability.SEE_BILLING in held and Ability.OPEN_CASE not in held
    with pytest.raises(Forbidden, match="main points of contact"):
        make_case(by=fran)


# -- staff ---------------------------------------------------------------------------------


def test_a_representative_opens_routes_and_notes_but_sets_no_priority():
    rep = RepresentativeFactory()
    team = TeamFactory()
    tech = StaffFactory()
    mpoc = ContactFactory()
    with pytest.raises(Forbidden, match="does not set priorities"):
        actions.open_case(by=rep, contact=mpoc, title="Site down", channel=Channel.PHONE, priority="P1")
    case = actions.open_case(
        by=rep, contact=mpoc, title="Site down", channel=Channel.PHONE, team=team, assignee=tech
    )
    assert (case.priority, case.needs_triage, case.team, case.assignee) == ("P4", True, team, tech)
    case = actions.disposition(case, by=rep, priority="P4", team=None, assignee=None)  # route only
    assert case.needs_triage and case.team is None
    with pytest.raises(Forbidden, match=r"Customer service representative\) may not set priorities"):
        actions.disposition(case, by=rep, priority="P2", team=None, assignee=None)
    with pytest.raises(Forbidden, match="work cases"):
        actions.transition(case, to="in_progress", by=rep)
    with pytest.raises(Forbidden, match="work cases"):
        actions.update_details(case, by=rep, vendor="CarrierCo")
    assert not actions.add_comment(case, by=rep, body="Caller will ring back", public=False).public
    assert actions.add_comment(case, by=rep, body="We are on it").public


def test_a_technician_works_the_teams_cases_and_sets_p1_but_runs_no_master_case():
    cloud, cisco = TeamFactory(name="Cloud"), TeamFactory(name="Cisco")
    theo, mina = StaffFactory(), StaffFactory()
    cloud.members.add(theo)
    cisco.members.add(mina)
    case = make_case()
    # Awaiting triage the case is everyone's: a Cisco technician may triage it to Cloud.
    case = actions.disposition(case, by=mina, priority="P1", team=cloud, assignee=None)
    assert (case.priority, case.needs_triage) == ("P1", False)
    case = actions.transition(case, to="in_progress", by=theo)
    with pytest.raises(Forbidden, match="belongs to the Cloud team"):
        actions.transition(case, to="on_hold", by=mina)
    with pytest.raises(Forbidden, match="belongs to the Cloud team"):
        actions.disposition(case, by=mina, priority="P2", team=cloud, assignee=None)
    # Rerouting without a priority change is routing, which reaches every team.
    case = actions.disposition(case, by=mina, priority="P1", team=cloud, assignee=mina)
    actions.update_details(case, by=mina, vendor="CarrierCo")  # assigned to her now
    with pytest.raises(Forbidden, match="may not run master cases"):
        actions.designate_master(case, by=theo)


def test_a_manager_works_the_teams_cases_and_runs_master_cases():
    manager = ManagerFactory()
    mine, other = TeamFactory(manager=manager), TeamFactory(name="Network")
    case = make_case()
    actions.disposition(case, by=manager, priority="P2", team=mine, assignee=None)
    actions.transition(case, to="in_progress", by=manager)
    elsewhere = make_case()
    actions.disposition(elsewhere, by=manager, priority="P3", team=other, assignee=None)
    with pytest.raises(Forbidden, match="belongs to the Network team"):
        actions.transition(elsewhere, to="in_progress", by=manager)
    assert actions.transition(elsewhere, to="in_progress", by=AdministratorFactory()).status == "in_progress"
    actions.designate_master(case, by=manager)


def test_billing_staff_see_no_support_case():
    bea = BillingFactory()
    case = make_case()
    assert not selectors.cases_visible_to(bea).exists()
    with pytest.raises(NotFound):
        selectors.get_case(bea, case.number)
    with pytest.raises(Forbidden, match="Billing"):
        actions.add_comment(case, by=bea, body="hello")


def test_the_data_overrides_the_defaults_per_role():
    row = StaffRole.objects.get(key="technician")
    row.abilities = [a for a in row.abilities if a != "set_p1"]
    row.save()
    tech = StaffFactory()
    case = make_case()
    with pytest.raises(Forbidden, match="may set P2, P3, P4 but not P1"):
        actions.disposition(case, by=tech, priority="P1", team=None, assignee=None)
    actions.disposition(case, by=tech, priority="P2", team=None, assignee=None)


def test_a_superuser_may_do_everything_and_no_role_nothing():
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert permissions.abilities_of(admin) == DEFAULTS[Role.ADMINISTRATOR]
    nobody = UserFactory(is_staff=True)
    assert permissions.abilities_of(nobody) == frozenset()
    with pytest.raises(Forbidden, match="staff member without a role"):
        actions.add_comment(make_case(), by=nobody, body="hi")


def test_staff_record_a_callers_reopen_request():
    rep = RepresentativeFactory()
    case = make_case()
    case = actions.transition(case, to="closed", by=StaffFactory(), resolution="Done")
    outcome, same = actions.request_reopen(case, by=rep, note="The caller says it is broken again.")
    assert (outcome, same.status) == (ReopenOutcome.REOPEN, "customer_reopened")
    with pytest.raises(Forbidden):
        actions.request_reopen(same, by=BillingFactory())


def test_a_role_is_read_once_per_user_object():
    tech = StaffFactory()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            permissions.abilities_of(tech)
    assert len(ctx.captured_queries) == 1


def test_a_master_case_moves_its_children_whatever_their_team():
    manager = ManagerFactory()
    network = TeamFactory(name="Network")
    platform = PlatformFactory()
    org = OrganisationFactory(platforms=[platform])
    child = make_case(by=customer(org), platform=platform)
    child = actions.disposition(child, by=StaffFactory(), priority="P2", team=network, assignee=None)
    master = masters.create_master(by=manager, title="Outage", body="Investigating.", platforms=[platform])
    masters.link_child(master, child, by=manager)
    with pytest.raises(Forbidden, match="may not run master cases"):
        masters.post_update(master, by=StaffFactory(), body="Still down.")
    masters.resolve_master(master, by=manager, note="Restored.")
    child.refresh_from_db()
    assert child.status == "resolved_follow_up"
    with pytest.raises(Forbidden, match="belongs to the Network team"):
        actions.transition(child, to="in_progress", by=manager)  # its own work stays the team's
