"""A master-case update reaches each address once, whatever the number of reasons it has to
hear: master-case contact, subscriber, contact or participant of several children, an
MPOC of an organisation that copies every MPOC."""

from __future__ import annotations

from collections import Counter

import pytest

from casedesk.accounts.models import Contact
from casedesk.cases import actions
from casedesk.core import clock
from casedesk.outbox.models import OutboundMessage
from casedesk.status import masters
from casedesk.status.models import Subscription
from tests.factories import ContactFactory, ManagerFactory, OrganisationFactory, customer, make_case
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db


def test_one_message_per_address_per_update_across_every_recipient_source():
    voice = PlatformFactory(name="Hosted Voice")
    staff = ManagerFactory()
    acme = OrganisationFactory(name="Acme", platforms=[voice])
    globex = OrganisationFactory(name="Globex", platforms=[voice], copy_every_mpoc=True)
    dana = customer(acme)
    Contact.objects.filter(user=dana).update(is_master_case_contact=True)
    gil = customer(globex)
    gia = ContactFactory(organisation=globex, email="gia@globex.example.com", is_master_case_contact=True)
    for email in (dana.email.upper(), "watcher@example.net", "Reseller@Partner.example.net"):
        Subscription.objects.create(
            email=email, platform=voice, created_at=clock.now(), confirmed_at=clock.now()
        )
    children = [
        make_case(by=dana, title="Acme reception", platform=voice),
        make_case(by=dana, title="Acme warehouse", platform=voice),
        make_case(by=gil, title="Globex HQ", platform=voice),
    ]
    for child in children[1:]:
        actions.add_participants(child, by=staff, addresses=["reseller@partner.example.net"])
    actions.add_participants(children[2], by=staff, contacts=[gia])
    master = masters.create_master(by=staff, title="Voice outage", body="Investigating.", platforms=[voice])
    for child in children:
        masters.link_child(master, child, by=staff)
    OutboundMessage.objects.all().delete()

    masters.post_update(master, by=staff, body="Carrier trunk failure identified.", state="identified")

    per_address = Counter(to.lower() for to in OutboundMessage.objects.values_list("to", flat=True))
    expected = {
        dana.email.lower(),
        gil.email.lower(),
        "gia@globex.example.com",
        "watcher@example.net",
        "reseller@partner.example.net",
    }
    assert expected <= set(per_address)
    assert [address for address, n in per_address.items() if n > 1] == []
    # each child's timeline still carries the update, though some of its readers heard already
    for child in children:
        assert child.events.filter(kind="comment", body__contains="Carrier trunk").exists()
    # someone on a child case hears on its thread; the rest get the status notice
    assert OutboundMessage.objects.get(to__iexact=dana.email).kind == "staff_reply"
    assert OutboundMessage.objects.get(to="watcher@example.net").kind == "status_incident"


def test_a_second_update_reaches_them_again():
    voice = PlatformFactory()
    staff = ManagerFactory()
    dana = customer(OrganisationFactory(platforms=[voice]))
    master = masters.create_master(by=staff, title="Outage", body="Investigating.", platforms=[voice])
    for title in ("one", "two"):
        masters.link_child(master, make_case(by=dana, title=title, platform=voice), by=staff)
    OutboundMessage.objects.all().delete()
    masters.post_update(master, by=staff, body="First.")
    masters.post_update(master, by=staff, body="Second.")
    assert OutboundMessage.objects.filter(to=dana.email).count() == 2
