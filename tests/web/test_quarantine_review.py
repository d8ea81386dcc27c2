"""Quarantine review: a stranger's message accepted by making them a contact of a chosen
organisation (or linking an existing one), then opening a case or adding to one; the
processed list shows each message's outcome and case; dropped attachments are explained."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.accounts.models import Contact
from casedesk.cases.models import Case, CaseEvent
from casedesk.mail import intake
from casedesk.mail.models import InboundMessage
from casedesk.outbox.models import OutboundMessage
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer, make_case
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db
STRANGER = "Pat Newcomer <pat@newco.example.org>"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def _quarantined(**kw) -> int:
    result = intake.ingest(make_mail(STRANGER, **kw))
    assert result.outcome == "quarantined"
    return result.inbound_id


def test_review_page_offers_a_new_contact_with_the_sender_filled_in(staff_client):
    org = OrganisationFactory(name="Newco Ltd")
    ContactFactory(organisation=org, email="lee@newco.example.org")
    pk = _quarantined(subject="Fax line dead")
    page = staff_client.get(f"/console/mail/{pk}/").content.decode()
    assert 'value="Pat Newcomer"' in page  # the From name
    assert 'name="organisation" value="Newco Ltd"' in page  # guessed from the domain
    assert "lee@newco.example.org" in page  # or link a colleague's contact


def test_new_mpoc_contact_opens_the_case(staff_client):
    org = OrganisationFactory(name="Newco Ltd")
    pk = _quarantined(subject="Fax line dead")
    response = staff_client.post(
        f"/console/mail/{pk}/accept/",
        {"who": "new", "organisation": org.pk, "name": "Pat Newcomer", "mpoc": "on", "then": "open"},
    )
    case = Case.objects.get(title="Fax line dead")
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.number}/")
    contact = Contact.objects.get(email="pat@newco.example.org")
    assert contact.organisation == org and contact.is_secondary_mpoc and case.contact == contact
    row = InboundMessage.objects.get(pk=pk)
    assert (row.state, row.outcome, row.case_id) == ("accepted", "created", case.pk)
    # the new contact was told the case number
    assert OutboundMessage.objects.filter(to="pat@newco.example.org", kind="case_opened").exists()


def test_a_refused_acceptance_leaves_no_contact(staff_client):
    org = OrganisationFactory(name="Newco Ltd")
    pk = _quarantined()
    response = staff_client.post(
        f"/console/mail/{pk}/accept/",
        {"who": "new", "organisation": org.pk, "name": "Pat Newcomer", "then": "open"},  # not an MPOC
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/console/mail/{pk}/")
    assert not Contact.objects.filter(email="pat@newco.example.org").exists()
    assert InboundMessage.objects.get(pk=pk).state == "quarantined"
    follow = staff_client.get(response["Location"]).content.decode()
    assert "MPOC" in follow  # the refusal says why


def test_new_contact_appends_to_a_case_of_their_organisation(staff_client):
    owner = customer(OrganisationFactory(name="Newco Ltd"))
    case = make_case(by=owner, title="Voicemail")
    org = case.organisation
    pk = _quarantined(subject="Also voicemail", body="Same here on my phone.")
    staff_client.post(
        f"/console/mail/{pk}/accept/",
        {"who": "new", "organisation": org.pk, "name": "Pat", "then": "append", "case": case.number},
    )
    event = CaseEvent.objects.filter(case=case, kind="comment").get()
    assert "Same here" in event.body and event.contact.email == "pat@newco.example.org"
    assert InboundMessage.objects.get(pk=pk).outcome == "appended"


def test_linking_an_existing_contact_of_another_organisation_is_refused_for_its_case(staff_client):
    case = make_case(by=customer(), title="Theirs")
    pk = _quarantined()
    other = ContactFactory(email="pat.home@elsewhere.example.org")  # the sender's other address
    staff_client.post(
        f"/console/mail/{pk}/accept/",
        {"who": "existing", "contact": other.pk, "then": "append", "case": case.number},
    )
    assert InboundMessage.objects.get(pk=pk).state == "quarantined"
    assert not CaseEvent.objects.filter(case=case, kind="comment").exists()


def test_bad_new_contact_input_is_named(staff_client):
    pk = _quarantined()
    response = staff_client.post(f"/console/mail/{pk}/accept/", {"who": "new", "name": "Pat"}, follow=True)
    assert "Choose the organisation" in response.content.decode()
    org = OrganisationFactory()
    response = staff_client.post(
        f"/console/mail/{pk}/accept/", {"who": "new", "organisation": org.pk, "name": " "}, follow=True
    )
    assert "Give the new contact" in response.content.decode()
    assert not Contact.objects.filter(email="pat@newco.example.org").exists()


def test_processed_list_shows_outcome_and_case(staff_client):
    mpoc = customer()
    contact = mpoc.contact
    opened = intake.ingest(make_mail(contact.email, subject="Known MPOC"))
    pk = _quarantined()
    staff_client.post(f"/console/mail/{pk}/reject/")
    done = staff_client.get("/console/mail/?state=done").content.decode()
    assert "Opened a case" in done and f">{opened.case}</a>" in done
    rejected = staff_client.get("/console/mail/?state=rejected").content.decode()
    assert "Rejected" in rejected and "pat@newco.example.org" in rejected


def test_sender_is_told_which_attachment_was_dropped_and_why(staff_client):
    mpoc = customer()
    contact = mpoc.contact
    result = intake.ingest(
        make_mail(
            contact.email,
            subject="Logs",
            attachments=[
                ("tool.exe", "application/octet-stream", b"MZ..."),
                ("log.txt", "text/plain", b"ok"),
            ],
        )
    )
    ack = OutboundMessage.objects.get(to=contact.email, kind="case_opened")
    assert "tool.exe" in ack.text and "not accepted" in ack.text and "log.txt" not in ack.text
    # a reply with a dropped file, which has no notice of its own, is answered about it
    intake.ingest(
        make_mail(
            contact.email,
            subject=f"Re: [{result.case}] Logs",
            body="Here is another",
            attachments=[("run.bat", "application/octet-stream", b"echo")],
        )
    )
    told = OutboundMessage.objects.get(to=contact.email, kind="attachments_not_kept")
    assert "run.bat" in told.text and result.case in told.subject


def test_the_new_contacts_organisation_is_typed_by_name_or_account_number(staff_client):
    org = OrganisationFactory(name="Typed Org", account_number="TYP-0001")
    pk = _quarantined(subject="Fax line dead")
    staff_client.post(
        f"/console/mail/{pk}/accept/",
        {"who": "new", "organisation": "typ-0001", "name": "Pat Newcomer", "mpoc": "on", "then": "open"},
    )
    assert Contact.objects.get(email="pat@newco.example.org").organisation == org
