"""E-mail from a partner's person: a reply to a managed customer's case is appended as their
delegate there; a new case opens in the partner's own organisation unless the address is
only ever a delegate of one customer."""

from __future__ import annotations

import pytest

from casedesk.accounts import partners, permissions
from casedesk.accounts.models import Contact
from casedesk.cases.models import Case
from casedesk.mail import intake
from casedesk.outbox.models import OutboundMessage
from tests.factories import AdministratorFactory, OrganisationFactory, customer, partner_user
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


def _case(result: intake.Result) -> Case:
    assert result.case, result
    return Case.objects.get(pk=int(result.case.split("-")[1]))


@pytest.fixture
def managed(desk):
    """The desk's organisation, managed by a partner whose person acts for it in "cases"."""
    user = partner_user({desk["org"]: "cases"})
    person = user.contact
    person.is_primary_mpoc = True  # may open cases for the partner itself
    person.save()
    return {**desk, "user": user, "person": person}


def test_a_reply_from_the_partners_person_is_appended_as_their_delegate(managed):
    opened = _case(intake.ingest(make_mail(managed["mpoc"].email, subject="Lines down")))
    notice = OutboundMessage.objects.filter(case=opened).first()
    reply = make_mail(
        managed["person"].email.upper(),
        subject=f"Re: [{opened.number}] Lines down",
        body="Our engineer is on site.",
        in_reply_to=notice.message_id,
    )
    result = intake.ingest(reply)
    assert result.outcome == "appended" and result.case == opened.number
    event = opened.events.get(kind="comment", body__contains="engineer")
    assert event.contact.delegate_of_id == managed["person"].pk
    assert event.contact.organisation_id == managed["org"].pk
    assert (
        event.author_name
        == f"{managed['person'].name} ({managed['person'].organisation.name}, for {managed['org'].name})"
    )


def test_a_revoked_delegate_replies_as_a_stranger_to_the_case(managed):
    opened = _case(intake.ingest(make_mail(managed["mpoc"].email, subject="Lines down")))
    delegate = Contact.objects.get(organisation=managed["org"], delegate_of=managed["person"])
    partners.revoke(AdministratorFactory(), delegate)
    result = intake.ingest(make_mail(managed["person"].email, subject=f"[{opened.number}] still?", body="x"))
    assert result.outcome == "quarantined" and not opened.events.filter(kind="comment").exists()


def test_a_new_case_from_a_partner_address_opens_in_the_partners_own_organisation(managed):
    result = intake.ingest(make_mail(managed["person"].email, subject="Our own PBX is down"))
    case = _case(result)
    assert case.organisation_id == managed["person"].organisation_id
    assert case.contact_id == managed["person"].pk


def test_an_address_only_ever_one_customers_delegate_opens_there(managed):
    # The person's own contact is gone (say, their login moved): the delegate is the only
    # contact the address has, so a new case is unambiguous.
    person = managed["person"]
    Contact.objects.filter(pk=person.pk).update(email="renamed@partner.example.net")
    delegate = Contact.objects.get(organisation=managed["org"], delegate_of=person)
    assert permissions.usable(delegate)
    case = _case(intake.ingest(make_mail(delegate.email, subject="Handsets rebooting")))
    assert case.organisation_id == managed["org"].pk and case.contact_id == delegate.pk


def test_a_delegate_of_several_customers_without_an_own_contact_is_not_guessed(managed):
    person = managed["person"]
    other = OrganisationFactory(platforms=[managed["platform"]])
    customer(other)
    partners.set_partner(AdministratorFactory(), other, person.organisation)
    partners.grant(AdministratorFactory(), person, other, "cases")
    address = person.email
    Contact.objects.filter(pk=person.pk).update(email="renamed@partner.example.net")
    result = intake.ingest(make_mail(address, subject="Which of them?"))
    assert result.outcome == "quarantined" and not Case.objects.filter(title="Which of them?").exists()
