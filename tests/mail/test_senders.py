"""An e-mail acts as the person it is from only when that is proven, or when the
organisation takes unverified mail (marked so): a forged MPOC is quarantined, with why."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, pk_from_number
from casedesk.mail import intake, senders
from casedesk.mail.models import InboundMessage
from casedesk.outbox import threading
from casedesk.outbox.models import OutboundMessage
from tests.factories import ContactFactory, StaffFactory
from tests.mail.mailgen import make_mail
from tests.mail.stubdns import StubDNS, acme, sign

pytestmark = pytest.mark.django_db

SERVER = "mx.provider.example"
FORGED_RESULTS = (
    f"{SERVER}; spf=pass smtp.mailfrom=bulk@evil.example; dkim=none;"
    " dmarc=fail (p=reject) header.from=acme.example.com"
)


@pytest.fixture
def trusted(settings):
    settings.CASEDESK_MAIL_AUTHSERV_ID = SERVER


def forged(desk, **kwargs) -> bytes:
    return make_mail(desk["mpoc"].email, headers={"Authentication-Results": FORGED_RESULTS}, **kwargs)


def test_a_forged_mpoc_neither_opens_a_case_nor_adds_to_one(desk, trusted):
    genuine = intake.ingest(make_mail(desk["mpoc"].email, subject="Real outage"))
    assert genuine.outcome == "created"
    before = CaseEvent.objects.count()
    # another envelope sender, the From: of the MPOC, dmarc=fail from the receiving server
    new = intake.ingest(
        forged(desk, subject="Please reset all our voicemail PINs"), envelope_from="bulk@evil.example"
    )
    reply = intake.ingest(forged(desk, subject=f"Re: [{genuine.case}] Real outage", body="Close it."))
    for result in (new, reply):
        assert result.outcome == "quarantined"
        assert "DMARC fail" in result.reason and "dmarc=fail" in result.reason
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == before
    assert OutboundMessage.objects.filter(kind="case_opened").count() == 1  # nobody was answered
    row = InboundMessage.objects.get(pk=new.inbound_id)
    assert (row.state, row.auth_method, row.auth_result) == ("quarantined", "authentication-results", "fail")
    assert "smtp.mailfrom=bulk@evil.example" in row.auth_evidence


def test_a_forged_mpoc_fails_dmarc_checked_here_too(desk):
    with senders.resolving(acme()):
        result = intake.ingest(make_mail(desk["mpoc"].email), envelope_from="bulk@evil.example")
    assert result.outcome == "quarantined" and "DMARC fail" in result.reason
    assert InboundMessage.objects.get(pk=result.inbound_id).auth_method == "verified"
    assert not Case.objects.exists()


def test_a_signed_message_opens_a_case_marked_verified(desk):
    dns = acme()
    with senders.resolving(dns):
        result = intake.ingest(sign(make_mail(desk["mpoc"].email)))
    assert result.outcome == "created"
    opened = CaseEvent.objects.get(pk=result.event_id)
    assert opened.kind == "created" and opened.sender_verified is True
    row = InboundMessage.objects.get(pk=result.inbound_id)
    assert (row.auth_method, row.auth_result) == ("verified", "pass")
    assert "dkim=pass header.d=acme.example.com" in row.auth_evidence
    with senders.resolving(dns):
        reply = intake.ingest(
            sign(make_mail(desk["mpoc"].email, subject=f"Re: [{result.case}] x", body="More."))
        )
    assert reply.outcome == "appended" and CaseEvent.objects.get(pk=reply.event_id).sender_verified is True


def test_the_receiving_servers_pass_is_believed(desk, trusted):
    said = f"{SERVER}; dkim=pass header.d=acme.example.com; dmarc=pass header.from=acme.example.com"
    result = intake.ingest(make_mail(desk["mpoc"].email, headers={"Authentication-Results": said}))
    assert result.outcome == "created" and CaseEvent.objects.get(pk=result.event_id).sender_verified is True


def test_another_servers_pass_proves_nothing(desk, trusted):
    said = "forger.example; dmarc=pass header.from=acme.example.com"
    result = intake.ingest(make_mail(desk["mpoc"].email, headers={"Authentication-Results": said}))
    assert result.outcome == "created" and CaseEvent.objects.get(pk=result.event_id).sender_verified is False


def test_without_a_verdict_the_organisation_decides(desk):
    # By default: taken, and marked "sender not verified".
    taken = intake.ingest(make_mail(desk["mpoc"].email))
    assert taken.outcome == "created" and CaseEvent.objects.get(pk=taken.event_id).sender_verified is False
    row = InboundMessage.objects.get(pk=taken.inbound_id)
    assert (row.auth_method, row.auth_result) == ("verified", "none")
    desk["org"].unverified_mail = "quarantine"
    desk["org"].save()
    held = intake.ingest(make_mail(desk["mpoc"].email, subject=f"Re: [{taken.case}] more", body="More."))
    assert held.outcome == "quarantined" and "organisation quarantines" in held.reason
    # ... but a proven sender is still believed
    with senders.resolving(acme()):
        signed = intake.ingest(sign(make_mail(desk["mpoc"].email, subject="Signed")))
    assert signed.outcome == "created"


def test_automatic_mail_and_strangers_cost_no_dns(desk):
    dns = StubDNS()
    with senders.resolving(dns):
        intake.ingest(make_mail("someone@elsewhere.example", headers={"Auto-Submitted": "auto-replied"}))
        intake.ingest(make_mail("support@example.com", subject="loop"))
    assert dns.asked == []


# --- the reply address signed per recipient ---------------------------------------------


def test_notices_carry_a_reply_address_signed_for_their_recipient(desk):
    case = InboundMessage.objects.get(pk=intake.ingest(make_mail(desk["mpoc"].email)).inbound_id).case
    assert case is not None
    ack = OutboundMessage.objects.get(case=case, kind="case_opened")
    local = ack.headers["Reply-To"].partition("@")[0]
    number, _, mac = local.partition("+")[2].partition(".")
    assert number == case.number and len(mac) == threading.MAC_LENGTH
    assert threading.signed_for(case.number, mac, desk["mpoc"].email)
    assert threading.signed_for(case.number, mac.upper(), desk["mpoc"].email.upper())
    assert not threading.signed_for(case.number, mac, desk["other"].email)
    assert not threading.signed_for("CS-999999", mac, desk["mpoc"].email)


def test_a_reply_to_an_address_signed_for_someone_else_is_quarantined(desk):
    opened = intake.ingest(make_mail(desk["mpoc"].email))
    ack = OutboundMessage.objects.get(kind="case_opened")
    reply_to = ack.headers["Reply-To"]
    # the MPOC it was made for replies to it: added
    mine = intake.ingest(make_mail(desk["mpoc"].email, subject="Re: phones", to=reply_to, body="Thanks."))
    assert mine.outcome == "appended" and mine.case == opened.case
    # a colleague (also an MPOC) answering at the MPOC's address: quarantined, with why
    colleague = ContactFactory(organisation=desk["org"], email="kim@acme.example.com", is_secondary_mpoc=True)
    theirs = intake.ingest(make_mail(colleague.email, subject="Re: phones", to=reply_to, body="Close it."))
    assert theirs.outcome == "quarantined" and "made for another recipient" in theirs.reason
    # a made-up signature is no better
    local, _, domain = reply_to.partition("@")
    made_up = f"{local.rpartition('.')[0]}.0123456789abcdef@{domain}"
    guessed = intake.ingest(make_mail(desk["mpoc"].email, subject="Re: phones", to=made_up, body="Close it."))
    assert guessed.outcome == "quarantined"
    # the plain plus address still works as before
    plain = threading.support_address(ack.case)
    assert (
        intake.ingest(make_mail(desk["mpoc"].email, subject="Re: x", to=plain, body="Ok.")).outcome
        == "appended"
    )


def test_a_reply_to_a_closed_case_is_checked_too(desk, trusted):
    opened = intake.ingest(make_mail(desk["mpoc"].email, subject="Switch down"))
    case = Case.objects.get(inbound__pk=opened.inbound_id)
    actions.transition(case, to="closed", by=StaffFactory(), resolution="Replaced the switch.")
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        forged_reply = intake.ingest(forged(desk, subject=f"Re: [{case.number}]", body="Reopen it."))
        assert forged_reply.outcome == "quarantined" and "DMARC fail" in forged_reply.reason
        follow = intake.ingest(
            make_mail(desk["mpoc"].email, subject=f"Re: [{case.number}]", body="It is back.")
        )
    assert follow.outcome == "follow_up_created"
    created = CaseEvent.objects.get(case_id=pk_from_number(follow.case), kind="created")
    assert created.sender_verified is False  # no verdict: taken, marked
