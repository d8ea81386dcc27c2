"""A partner's person acts for its customers through delegates: scope, tenancy, revocation."""

from __future__ import annotations

import pytest

from casedesk.accounts import partners, permissions
from casedesk.accounts.models import Contact
from casedesk.cases import selectors
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.rules.permissions import Ability
from tests.factories import AdministratorFactory, OrganisationFactory, customer, make_case, partner_user

pytestmark = pytest.mark.django_db


def test_acting_for_a_customer_is_its_delegate_with_the_scope_abilities():
    a, b = OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "cases", b: "billing"})
    assert permissions.customer_contact(user).organisation_id == user.contact.organisation_id
    assert permissions.act_for(user, a.pk)
    delegate = permissions.customer_contact(user)
    assert delegate.organisation_id == a.pk and delegate.delegate_of.user_id == user.pk
    assert permissions.can(user, Ability.OPEN_CASE) and not permissions.can(user, Ability.SEE_BILLING)
    assert permissions.act_for(user, b.pk)
    assert permissions.can(user, Ability.SEE_BILLING) and not permissions.can(user, Ability.OPEN_CASE)
    assert "billing only" in permissions.refusal(user, Ability.OPEN_CASE)


def test_a_case_opened_for_a_customer_records_the_delegate():
    a = OrganisationFactory()
    user = partner_user({a: "cases"})
    permissions.act_for(user, a.pk)
    case = make_case(by=user)
    assert case.organisation_id == a.pk
    assert case.contact.delegate_of.user_id == user.pk
    assert selectors.get_case(user, case.number) == case


def test_an_organisation_not_managed_is_out_of_reach():
    a, other = OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "full"})
    foreign = make_case(by=customer(other))
    assert not permissions.act_for(user, other.pk)
    assert permissions.customer_contact(user).organisation_id == user.contact.organisation_id
    permissions.act_for(user, a.pk)
    with pytest.raises(NotFound):
        selectors.get_case(user, foreign.number)


def test_revoked_access_or_a_new_partner_ends_the_delegate():
    a, b = OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "full", b: "full"})
    delegate = Contact.objects.get(organisation=a, delegate_of__user=user)
    partners.revoke(AdministratorFactory(), delegate)
    user = type(user).objects.get(pk=user.pk)
    assert not permissions.act_for(user, a.pk)
    partners.set_partner(AdministratorFactory(), b, OrganisationFactory(kind="partner"))
    user = type(user).objects.get(pk=user.pk)
    assert permissions.partner_grants(user) == []
    assert Contact.objects.filter(delegate_of__user=user).count() == 2  # kept for the record


def test_grants_are_refused_with_a_reason():
    a, stranger = OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "cases"})
    person = user.contact
    admin = AdministratorFactory()
    with pytest.raises(Refused, match="not managed by"):
        partners.grant(admin, person, stranger, "full")
    with pytest.raises(Refused, match="No access scope"):
        partners.grant(admin, person, a, "everything")
    with pytest.raises(Forbidden):
        partners.grant(customer(a), person, a, "full")
    with pytest.raises(Refused, match="neither a partner"):
        partners.set_partner(admin, a, OrganisationFactory())


def test_as_themselves_one_queue_holds_every_customer_they_may_see_the_cases_of():
    a, b, c = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    user = partner_user({a: "cases", b: "full", c: "billing"})
    in_a, in_b, in_c = (make_case(by=customer(org)) for org in (a, b, c))
    own = make_case(by=customer(user.contact.organisation))
    seen = set(selectors.cases_visible_to(user))
    assert {in_a, in_b} <= seen and in_c not in seen
    assert own not in seen  # their own organisation's, they see only as their own contact allows
    # Opening a customer's case from the one queue acts for that customer in the request.
    from casedesk.cases import actions

    case = selectors.get_case(user, in_a.number)
    assert permissions.acting_for(user) == a.pk
    actions.add_comment(case, by=user, body="Checked the handsets on site.")
    event = case.events.order_by("-pk").first()
    assert event.contact.delegate_of.user_id == user.pk and event.contact.organisation_id == a.pk
