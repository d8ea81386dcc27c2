"""Mail loops and self-addressing: nothing is sent to the desk's own intake addresses, they
cannot be entered as anyone's address, and the desk's own mail coming back is recorded as
a loop, never opened, appended or answered."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casedesk.accounts.models import Contact, EscalationContact
from casedesk.cases.models import Case
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.mail import batch, intake
from casedesk.mail.models import InboundMessage
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.sla.models import EscalationLevel, EscalationPath
from casedesk.status import masters, subscriptions
from tests.factories import AdministratorFactory, ContactFactory, ManagerFactory, OrganisationFactory
from tests.mail.mailgen import make_mail
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db

OURS = ["support@example.com", "SUPPORT+CS-000042@Example.com", " <support+x@example.com> "]


@pytest.fixture(autouse=True)
def _addresses(settings):
    settings.CASEDESK_SUPPORT_ADDRESSES = ["support@example.com", "help@desk.example.org"]
    settings.DEFAULT_FROM_EMAIL = "support@example.com"
    settings.CASEDESK_MAIL_DOMAIN = "example.com"


def _text(**kw):
    return {"kind": "test", "subject": "Hello", "text": "Body", **kw}


# --- the outbox: one check for every sender ------------------------------------------


@pytest.mark.parametrize("to", [*OURS, "Help+anything@DESK.example.org"])
def test_the_outbox_queues_nothing_to_our_own_addresses(to):
    assert delivery.enqueue(to=to, **_text()) is None
    assert delivery.save(delivery.build(to=to, **_text())) is None
    assert (
        delivery.enqueue_template(
            kind="t", to=to, template="status_confirm", context={"name": "x", "link": "y", "hours": 1}
        )
        is None
    )
    assert not OutboundMessage.objects.exists()


def test_saving_several_keeps_only_the_others():
    rows = [delivery.build(to=to, **_text()) for to in ("dana@acme.example.com", *OURS)]
    saved = delivery.save_many(rows)
    assert [m.to for m in saved] == ["dana@acme.example.com"]
    assert list(OutboundMessage.objects.values_list("to", flat=True)) == ["dana@acme.example.com"]


def test_a_row_addressed_to_us_before_is_never_delivered(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = clock.now()
    for to in ("support+CS-000007@example.com", "dana@acme.example.com"):
        OutboundMessage.objects.create(
            created_at=now, kind="old", to=to, subject="s", text="t",
            message_id=delivery.new_message_id(), next_attempt_at=now,
        )  # fmt: skip
    assert delivery.deliver_due(now) == {"sent": 1, "retry": 0, "failed": 1}
    assert [m.to for m in mail.outbox] == [["dana@acme.example.com"]]
    ours = OutboundMessage.objects.get(to__startswith="support")
    assert ours.state == "failed" and "own" in ours.last_error


def test_fan_out_skips_a_master_case_contact_entered_as_our_address():
    voice = PlatformFactory(name="Voice")
    org = OrganisationFactory(platforms=[voice])
    ContactFactory(organisation=org, email="support@example.com", is_master_case_contact=True)
    ContactFactory(organisation=org, email="noc@acme.example.com", is_master_case_contact=True)
    masters.create_master(
        by=ManagerFactory(),
        title="Voice outage",
        body="Investigating.",
        platforms=[voice],
        organisations=[org],
    )
    assert set(OutboundMessage.objects.values_list("to", flat=True)) == {"noc@acme.example.com"}


# --- master cases belong to the provider, with no mailable contact -------------------


def test_master_cases_from_scratch_send_nothing_to_the_desk_itself():
    voice = PlatformFactory(name="Voice")
    staff = ManagerFactory()
    master = masters.create_master(by=staff, title="Voice outage", body="Investigating.", platforms=[voice])
    masters.post_update(master, by=staff, body="Carrier fault identified.", state="identified")
    masters.resolve_master(master, by=staff, note="Restored.")
    contact = masters.provider_contact()
    assert master.contact == contact and contact.email == ""
    sent = list(OutboundMessage.objects.values_list("to", flat=True))
    assert not any("support" in to for to in sent), sent


def test_only_the_providers_own_contact_may_have_no_address():
    masters.provider_contact().full_clean()
    with pytest.raises(ValidationError, match="e-mail address"):
        Contact(organisation=OrganisationFactory(), name="Nobody", email="").full_clean()


def test_an_old_provider_contact_with_our_address_is_cleared():
    contact = masters.provider_contact()
    Contact.objects.filter(pk=contact.pk).update(email=settings.DEFAULT_FROM_EMAIL)
    assert masters.provider_contact().email == ""


# --- refused on entry ----------------------------------------------------------------


@pytest.mark.parametrize("address", OURS)
def test_our_addresses_cannot_be_anyones(address):
    org = OrganisationFactory()
    path = EscalationPath.objects.get(kind="support")
    rows = [
        Contact(organisation=org, name="Loop", email=address.strip(" <>"), is_master_case_contact=True),
        EscalationContact(organisation=org, position=9, name="Loop", email=address.strip(" <>")),
        EscalationLevel(path=path, level=9, role="Loop", name="Loop", email=address.strip(" <>")),
    ]
    for row in rows:
        with pytest.raises(ValidationError, match="own intake address"):
            row.full_clean()


def test_the_admin_refuses_a_contact_with_our_address():
    client = Client()
    client.force_login(AdministratorFactory(is_superuser=True))
    org = OrganisationFactory()
    response = client.post(
        "/admin/accounts/contact/add/",
        {"organisation": org.pk, "name": "Loop", "email": "Support+x@example.com", "active": "on"},
    )
    assert response.status_code == 200 and b"own intake address" in response.content
    assert not Contact.objects.filter(name="Loop").exists()


def test_subscribing_our_own_address_is_refused():
    voice = PlatformFactory(name="Voice")
    with pytest.raises(Refused, match="own"):
        subscriptions.request_subscription(email="support+x@example.com", platform=voice)
    assert not OutboundMessage.objects.exists()


# --- the desk's own mail coming back -------------------------------------------------


@pytest.fixture
def mpoc():
    return ContactFactory(
        organisation=OrganisationFactory(), email="dana@acme.example.com", is_primary_mpoc=True
    )


def _nothing_done(cases_before: int, outbox_before: int) -> None:
    assert Case.objects.count() == cases_before
    assert OutboundMessage.objects.count() == outbox_before


@pytest.mark.parametrize(
    "sender", ["support@example.com", "Support+CS-000001@Example.com", "help@desk.example.org"]
)
def test_a_message_from_our_own_address_is_a_loop(mpoc, sender):
    result = intake.ingest(make_mail(sender, subject="Phones down"))
    assert result.outcome == "loop" and result.case is None and "own addresses" in result.reason
    _nothing_done(0, 0)
    row = InboundMessage.objects.get()
    assert row.outcome == "loop" and row.state == "done"


def test_a_message_carrying_one_of_our_message_ids_is_a_loop(mpoc):
    result = intake.ingest(make_mail(mpoc.email, message_id=delivery.new_message_id()))
    assert result.outcome == "loop" and "Message-ID" in result.reason
    _nothing_done(0, 0)


def test_an_exact_copy_of_a_notice_we_sent_never_appends_or_answers(mpoc):
    opened = intake.ingest(make_mail(mpoc.email, subject="Trunk down"))
    assert opened.outcome == "created"
    case = Case.objects.get()
    ack = OutboundMessage.objects.get(kind="case_opened")
    raw = delivery._email(ack, None).message().as_bytes()  # what went out, coming back
    events = case.events.count()
    result = intake.ingest(raw)
    assert result.outcome == "loop"
    _nothing_done(1, 1)
    assert case.events.count() == events


def test_loops_in_a_batch_are_recorded_and_the_rest_go_on(mpoc):
    raws = [
        make_mail(mpoc.email, subject="First"),
        make_mail("support+CS-000001@example.com", subject="[CS-000001] Re: First"),
        make_mail(mpoc.email, subject="Second"),
    ]
    assert [r.outcome for r in batch.ingest_many(raws)] == ["created", "loop", "created"]
    assert Case.objects.count() == 2


def test_loop_is_an_outcome_of_intake():
    assert "loop" in intake.OUTCOMES
