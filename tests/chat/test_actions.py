"""Chat actions: hours, identities, idempotent sends, paging, cases from chats."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from casedesk.cases.models import Case
from casedesk.chat import actions
from casedesk.chat.models import ChatMessage
from casedesk.core.errors import Forbidden, RateLimited, Refused
from casedesk.outbox.models import OutboundMessage
from casedesk.rules.calendar import DENVER
from casedesk.rules.chat import Identity, Side, State
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, customer

pytestmark = pytest.mark.django_db

OPEN = datetime(2026, 12, 2, 10, 0, tzinfo=DENVER)  # a Wednesday morning


@pytest.fixture(autouse=True)
def _open():
    with time_machine.travel(OPEN, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (datetime(2026, 12, 2, 4, 59, tzinfo=DENVER), False),
        (datetime(2026, 12, 2, 5, 0, tzinfo=DENVER), True),
        (datetime(2026, 12, 6, 17, 0, tzinfo=DENVER), False),
        (datetime(2026, 12, 4, 23, 59, 59, tzinfo=DENVER), True),
        (datetime(2026, 12, 5, 0, 0, tzinfo=DENVER), False),
    ],
)
def test_start_follows_the_hours(_open, instant, is_open):
    _open.move_to(instant)
    assert actions.hours().open is is_open
    user = customer()
    if is_open:
        assert actions.start_chat(identity=Identity.PORTAL, user=user).state == State.WAITING
    else:
        with pytest.raises(Refused, match="closed"):
            actions.start_chat(identity=Identity.PORTAL, user=user)


def test_portal_chat_knows_the_contact_and_tells_a_non_mpoc():
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer(mpoc=False))
    bodies = [m.body for m in chat.messages.all()]
    assert chat.contact is not None and chat.name == chat.contact.name
    assert any("main points of contact" in b for b in bodies), bodies


def test_visitor_needs_name_email_and_organisation():
    with pytest.raises(Refused):
        actions.start_chat(identity=Identity.VISITOR, name="Ann", email="", organisation="Acme")
    chat = actions.start_chat(
        identity=Identity.VISITOR, name=" Ann  Lee ", email="ann@example.com", organisation="Acme"
    )
    assert (chat.name, chat.contact) == ("Ann Lee", None)


def test_staff_cannot_chat_as_a_customer():
    with pytest.raises(Forbidden):
        actions.start_chat(identity=Identity.PORTAL, user=StaffFactory())


def test_send_is_idempotent_by_key(django_capture_on_commit_callbacks):
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first, created = actions.send(chat, side=Side.CUSTOMER, body="Phones down", key="k-1")
    assert created and len(callbacks) == 1
    again, created_again = actions.send(chat, side=Side.CUSTOMER, body="Phones down", key="k-1")
    assert (again.pk, created_again) == (first.pk, False)
    assert ChatMessage.objects.filter(chat=chat, key="k-1").count() == 1


def test_resume_after_id_pages_without_cap():
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    for i in range(25):
        actions.send(chat, side=Side.CUSTOMER, body=f"m{i}", key=f"k{i}")
    seen: list[int] = []
    after, pages = 0, 0
    while True:
        page, more = actions.history(chat, after, limit=10)
        seen += [m.pk for m in page]
        pages += 1
        if not more:
            break
        after = page[-1].pk
    everything = list(ChatMessage.objects.filter(chat=chat).order_by("pk").values_list("pk", flat=True))
    assert seen == everything and len(everything) == 26 and pages == 3
    last_seen = everything[10]
    rest, more = actions.history(chat, last_seen, limit=100)
    assert [m.pk for m in rest] == everything[11:] and not more


def test_staff_must_accept_before_answering():
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    tech = StaffFactory()
    with pytest.raises(Forbidden):
        actions.send(chat, side=Side.STAFF, by=tech, body="Hi", key="s1")
    actions.accept(chat, by=tech)
    message, _ = actions.send(chat, side=Side.STAFF, by=tech, body="Hi", key="s1")
    assert message.author_name == tech.display_name
    other = StaffFactory()
    with pytest.raises(Refused):
        actions.accept(chat, by=other)


def test_message_rate_is_bounded(settings):
    settings.CASEDESK_CHAT_MESSAGES_PER_MINUTE = 3
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    for i in range(3):
        actions.send(chat, side=Side.CUSTOMER, body="x", key=f"r{i}")
    with pytest.raises(RateLimited):
        actions.send(chat, side=Side.CUSTOMER, body="x", key="r4")


def test_chats_per_address_are_bounded(settings):
    settings.CASEDESK_CHAT_STARTS_PER_HOUR = 2
    for _ in range(2):
        actions.start_chat(
            identity=Identity.VISITOR, name="A", email="a@example.com", organisation="O", address="192.0.2.1"
        )
    with pytest.raises(RateLimited):
        actions.start_chat(
            identity=Identity.VISITOR, name="A", email="a@example.com", organisation="O", address="192.0.2.1"
        )


def test_mpoc_chat_becomes_a_p2_case_with_transcript():
    user = customer()
    chat = actions.start_chat(identity=Identity.PORTAL, user=user)
    tech = StaffFactory()
    actions.accept(chat, by=tech)
    actions.send(chat, side=Side.CUSTOMER, body="All phones at the branch are down", key="c1")
    case = actions.to_case(chat, by=tech, priority="P2", title="Branch phones down")
    assert (case.priority, case.channel, case.contact_id) == ("P2", "chat", chat.contact_id)
    assert "All phones at the branch are down" in case.description
    chat.refresh_from_db()
    assert chat.case_id == case.pk


def test_non_mpoc_chat_cannot_become_a_case():
    org = OrganisationFactory()
    ContactFactory(organisation=org, name="Mia Primary", is_primary_mpoc=True, is_secondary_mpoc=False)
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer(org, mpoc=False))
    tech = StaffFactory()
    with pytest.raises(Forbidden, match="Mia Primary"):
        actions.to_case(chat, by=tech, priority="P3")


def test_visitor_chat_becomes_a_case_for_a_chosen_mpoc():
    chat = actions.start_chat(
        identity=Identity.VISITOR, name="Ann", email="ann@example.com", organisation="Acme"
    )
    tech = StaffFactory()
    with pytest.raises(Refused, match="Choose the contact"):
        actions.to_case(chat, by=tech, priority="P3")
    mpoc = ContactFactory()
    case = actions.to_case(chat, by=tech, priority="P3", contact=mpoc)
    assert case.contact_id == mpoc.pk


def test_attach_to_a_closed_case_reopens_within_the_window(_open):
    user = customer()
    tech = StaffFactory()
    chat = actions.start_chat(identity=Identity.PORTAL, user=user)
    case = actions.to_case(chat, by=tech, priority="P3")
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=OPEN)
    _open.move_to(datetime(2026, 12, 4, 10, tzinfo=DENVER))
    chat2 = actions.start_chat(identity=Identity.PORTAL, user=user)
    target = actions.attach_to_case(chat2, by=tech, case=Case.objects.get(pk=case.pk))
    assert target.pk == case.pk
    target.refresh_from_db()
    assert target.is_open


def test_transfer_to_a_team_requeues_with_a_note():
    from tests.factories import TeamFactory

    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    tech = StaffFactory()
    actions.accept(chat, by=tech)
    team = TeamFactory(name="Voice")
    chat = actions.transfer(chat, by=tech, to_team=team, note="Needs a SIP trace")
    assert (chat.state, chat.technician_id, chat.team_id, chat.transfer_note) == (
        "waiting",
        None,
        team.pk,
        "Needs a SIP trace",
    )
    specialist = StaffFactory()
    actions.accept(chat, by=specialist)
    chat = actions.transfer(chat, by=specialist, to_user=tech, note="back to you")
    assert chat.technician_id == tech.pk and chat.state == "active"


def test_end_mails_the_transcript_and_takes_a_rating():
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    actions.send(chat, side=Side.CUSTOMER, body="thanks", key="e1")
    actions.end(chat, side=Side.CUSTOMER)
    mail = OutboundMessage.objects.get(kind="chat_transcript")
    assert "thanks" in mail.text and mail.to == chat.email
    assert actions.rate(chat, score=5).rating == 5
    with pytest.raises(Refused):
        actions.rate(chat, score=9)
    with pytest.raises(Refused):
        actions.send(chat, side=Side.CUSTOMER, body="late", key="e2")


def test_waiting_queue_offers_a_case_after_the_wait(_open, settings):
    from datetime import timedelta

    settings.CASEDESK_CHAT_WAIT_OFFER = timedelta(minutes=5)
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    assert actions.waiting()[0][2] is False
    _open.shift(timedelta(minutes=6))
    row = actions.waiting()[0]
    assert row[0].pk == chat.pk and row[1] == 360 and row[2] is True


def test_state_tells_the_widget_when_to_offer_a_case(settings):
    from datetime import timedelta

    settings.CASEDESK_CHAT_WAIT_OFFER = timedelta(minutes=5)
    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    assert actions.state_data(chat)["offer_case_in"] == 300
    actions.accept(chat, by=StaffFactory())
    chat.refresh_from_db()
    assert actions.state_data(chat)["offer_case_in"] is None


def test_transcripts_are_purged_a_retention_period_after_the_chat_ended(django_capture_on_commit_callbacks):
    """The sweep removes an ended chat's messages and files once the rule's days have passed
    (a year by default; the rule is data, and switched off nothing goes); the chat's row and
    rating stay as the record."""
    import os
    from datetime import timedelta

    from casedesk.chat import sweeps
    from casedesk.core.uploads import Upload
    from casedesk.privacy.models import RetentionRule

    chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    with django_capture_on_commit_callbacks(execute=True):
        actions.send(chat, side=Side.CUSTOMER, body="Phones down", key="k-1")
        message, _ = actions.send(
            chat,
            side=Side.CUSTOMER,
            body="",
            key="k-2",
            upload=Upload(name="log.txt", content=b"SIP 503", content_type="text/plain"),
        )
    path = message.file.path
    actions.end(chat, side=Side.CUSTOMER)
    actions.rate(chat, score=4)
    chat.refresh_from_db()
    ended = chat.ended_at
    open_chat = actions.start_chat(identity=Identity.PORTAL, user=customer())
    actions.send(open_chat, side=Side.CUSTOMER, body="Still here", key="k-3")
    still_open = ChatMessage.objects.filter(chat=open_chat).count()

    assert sweeps.purge_transcripts(ended + timedelta(days=364)) == 0
    RetentionRule.objects.create(kind="chat_transcript", days=30, active=False)
    assert sweeps.purge_transcripts(ended + timedelta(days=400)) == 0  # switched off
    RetentionRule.objects.filter(kind="chat_transcript").update(active=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.purge_transcripts(ended + timedelta(days=31)) == 1
    chat.refresh_from_db()
    assert chat.transcript_purged_at is not None and chat.rating == 4
    assert not ChatMessage.objects.filter(chat=chat).exists() and not os.path.exists(path)
    assert ChatMessage.objects.filter(chat=open_chat).count() == still_open  # not ended: kept
    assert sweeps.purge_transcripts(ended + timedelta(days=32)) == 0  # once
