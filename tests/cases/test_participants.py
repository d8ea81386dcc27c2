"""Participants: the people copied on a case besides its contact, and the organisations
that copy every main point of contact. One message per address per event."""

from __future__ import annotations

import pytest

from casedesk.cases import actions, selectors
from casedesk.cases.models import CaseEvent, Participant
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.outbox import threading
from casedesk.outbox.models import MessageLink, OutboundMessage
from casedesk.web import history
from tests.factories import (
    BillingFactory,
    ContactFactory,
    OrganisationFactory,
    StaffFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme Dental")
    dana = customer(org, name="Dana Mpoc")  # the case's contact
    pat = ContactFactory(organisation=org, name="Pat Primary", email="pat@acme.example.com")  # an MPOC
    lee = customer(org, mpoc=False, name="Lee Plain")
    staff = StaffFactory()
    case = make_case(by=dana, title="Fax line dead")
    return {"org": org, "dana": dana, "pat": pat, "lee": lee, "staff": staff, "case": case}


def sent(kind: str) -> list[str]:
    return sorted(OutboundMessage.objects.filter(kind=kind).values_list("to", flat=True))


def test_participants_get_what_the_contact_gets_and_never_internal_notes(world):
    case, staff, lee = world["case"], world["staff"], world["lee"]
    added = actions.add_participants(
        case, by=staff, contacts=[lee.contact], addresses=["Vendor.Tech@Carrier.example.net"]
    )
    assert [(p.contact, p.address) for p in added] == [
        (lee.contact, ""),
        (None, "vendor.tech@carrier.example.net"),
    ]
    actions.add_comment(case, by=staff, body="Vendor says bad card", public=False)
    assert sent("staff_reply") == []
    actions.add_comment(case, by=staff, body="We are replacing the card today.")
    assert sent("staff_reply") == sorted([world["dana"].email, lee.email, "vendor.tech@carrier.example.net"])
    actions.transition(case, to="closed", by=staff, resolution="Card replaced.")
    assert len(sent("case_closed")) == 3
    # each copy threads on the case, answered at its plus address signed for its recipient
    for message in OutboundMessage.objects.filter(kind="case_closed"):
        assert message.headers["Reply-To"] == threading.support_address(case, to=message.to)
        assert message.headers["Reply-To"].startswith(f"support+{case.number}.")
        assert message.headers["In-Reply-To"]
    assert set(MessageLink.objects.filter(case=case, direction="out").values_list("address", flat=True)) >= {
        lee.email,
        "vendor.tech@carrier.example.net",
    }


def test_additions_and_removals_are_on_the_timeline_with_raw_values(world):
    case, staff, lee = world["case"], world["staff"], world["lee"]
    actions.add_participants(case, by=staff, contacts=[lee.contact], addresses=["ext@carrier.example.net"])
    row = Participant.objects.get(case=case, contact=lee.contact)
    assert (row.source, row.added_by) == ("console", staff)
    changes = list(case.events.filter(kind=CaseEvent.Kind.CHANGE).values_list("changes", "public", "actor"))
    assert changes == [
        ({"participant": [None, lee.contact.pk]}, True, staff.pk),
        ({"participant": [None, "ext@carrier.example.net"]}, True, staff.pk),
    ]
    actions.remove_participant(case, row.pk, by=staff)
    assert case.events.last().changes == {"participant": [lee.contact.pk, None]}
    shown = history.labelled(selectors.timeline(case, staff))[-1].change_rows
    assert shown == [("participant", str(lee.contact), None)]
    actions.add_comment(case, by=staff, body="Any news from the carrier?")
    assert sent("staff_reply") == sorted([world["dana"].email, "ext@carrier.example.net"])


def test_every_mpoc_is_copied_when_the_organisation_says_so_and_each_address_hears_once(world):
    case, staff, org, lee = world["case"], world["staff"], world["org"], world["lee"]
    org.copy_every_mpoc = True
    org.save()
    ContactFactory(organisation=org, email="gone@acme.example.com", active=False)  # left: hears nothing
    # Pat is an MPOC and a participant; Dana's address typed in another case is still Dana
    actions.add_participants(case, by=staff, contacts=[world["pat"], lee.contact])
    actions.add_comment(case, by=staff, body="Looking at it now.")
    assert sent("staff_reply") == sorted([world["dana"].email, "pat@acme.example.com", lee.email])
    # another organisation's setting changes nothing here
    other = make_case(by=customer(OrganisationFactory(copy_every_mpoc=False)))
    OutboundMessage.objects.all().delete()
    actions.add_comment(other, by=staff, body="Hello")
    assert sent("staff_reply") == [other.contact.email]


def test_an_address_already_hearing_in_any_letter_case_is_refused(world):
    case, staff = world["case"], world["staff"]
    actions.add_participants(case, by=staff, addresses=["ext@carrier.example.net"])
    with pytest.raises(Refused, match="already"):
        actions.add_participants(case, by=staff, addresses=["EXT@carrier.example.net"])
    with pytest.raises(Refused, match="contact"):
        actions.add_participants(case, by=staff, addresses=[world["dana"].email.upper()])
    actions.add_comment(case, by=staff, body="Hello")
    assert len(sent("staff_reply")) == 2


def test_the_desks_own_addresses_and_staff_are_never_participants(world, settings):
    settings.CASEDESK_SUPPORT_ADDRESSES = ["support@example.com", "help@desk.example.org"]
    case, staff = world["case"], world["staff"]
    for address in (
        "support@example.com",
        "Support+CS-000001@Example.com",
        f"support+{case.number}@example.com",
        "HELP@desk.example.org",
        staff.email,
    ):
        with pytest.raises(Refused):
            actions.add_participants(case, by=staff, addresses=[address])
    with pytest.raises(Refused, match="address"):
        actions.add_participants(case, by=staff, addresses=["not an address"])
    assert not Participant.objects.exists()


def test_an_address_of_a_colleague_becomes_that_contact_and_outsiders_stay_addresses(world):
    case, staff, lee = world["case"], world["staff"], world["lee"]
    stranger_contact = ContactFactory(email="max@globex.example.com")  # another organisation's contact
    actions.add_participants(case, by=staff, addresses=[lee.email.upper(), stranger_contact.email])
    rows = {(p.contact_id, p.address) for p in Participant.objects.filter(case=case)}
    assert rows == {(lee.contact.pk, ""), (None, "max@globex.example.com")}
    with pytest.raises(Refused):
        actions.add_participants(case, by=staff, contacts=[stranger_contact])  # a contact elsewhere


def test_who_may_add_and_remove(world):
    case, lee, dana = world["case"], world["lee"], world["dana"]
    actions.add_participants(case, by=dana, contacts=[lee.contact])  # an MPOC adds a colleague
    row = Participant.objects.get()
    assert (row.source, row.added_by) == ("portal", dana)
    with pytest.raises(Forbidden, match="staff"):
        actions.add_participants(case, by=dana, addresses=["ext@carrier.example.net"])
    with pytest.raises(Forbidden, match="main points of contact"):
        actions.remove_participant(case, row.pk, by=lee)  # a participant, not an MPOC
    with pytest.raises(Forbidden):
        actions.add_participants(case, by=BillingFactory(), addresses=["ext@carrier.example.net"])
    elsewhere = customer()  # an MPOC of another organisation
    with pytest.raises(NotFound):
        actions.add_participants(case, by=elsewhere, contacts=[elsewhere.contact])
    with pytest.raises(NotFound):
        actions.remove_participant(case, row.pk, by=elsewhere)
    other_case = make_case(by=dana)
    with pytest.raises(NotFound):
        actions.remove_participant(other_case, row.pk, by=dana)  # not a participant of that case
    actions.remove_participant(case, row.pk, by=dana)
    assert not Participant.objects.exists()


def test_a_participant_who_is_not_an_mpoc_sees_the_case_until_removed(world):
    case, staff, lee = world["case"], world["staff"], world["lee"]
    assert not selectors.cases_visible_to(lee).filter(pk=case.pk).exists()
    actions.add_participants(case, by=staff, contacts=[lee.contact])
    actions.add_comment(case, by=staff, body="Lee, can you check the handset?")  # mailed to Lee too
    assert list(selectors.cases_visible_to(lee)) == [case]
    assert actions.add_comment(case, by=lee, body="Checked: still dead.").public
    other = make_case(by=world["dana"], title="Not Lee's")
    with pytest.raises(NotFound):
        selectors.get_case(lee, other.number)  # the colleague's other cases stay out of sight
    actions.remove_participant(case, Participant.objects.get().pk, by=staff)
    lee_only = customer(world["org"], mpoc=False)
    case_two = make_case(by=world["dana"], title="Lee is copied")
    actions.add_participants(case_two, by=staff, contacts=[lee_only.contact])
    actions.add_comment(case_two, by=staff, body="Copying Lee.")
    assert selectors.cases_visible_to(lee_only).filter(pk=case_two.pk).exists()
    actions.remove_participant(case_two, Participant.objects.get().pk, by=staff)
    # removed and having received mail on it, but never having written: out of sight again
    assert not selectors.cases_visible_to(lee_only).filter(pk=case_two.pk).exists()
