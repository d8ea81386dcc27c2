"""E-mail Cc: the addresses a participant copies on a message the desk takes become the
case's participants (never the desk's own), and participants' replies thread back."""

from __future__ import annotations

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, Participant
from casedesk.mail import intake
from casedesk.outbox.models import OutboundMessage
from tests.factories import StaffFactory
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db


def case_of(result) -> Case:
    return Case.objects.get(pk=int(result.case.split("-")[1]))


def copied(case: Case) -> set[tuple[str, str]]:
    return {(p.contact.email if p.contact else "", p.address) for p in Participant.objects.filter(case=case)}


def test_the_cc_of_a_new_message_is_copied_on_the_case_but_never_the_desk(desk, settings):
    settings.CASEDESK_SUPPORT_ADDRESSES = ["support@example.com", "help@desk.example.org"]
    raw = make_mail(
        f"Dana <{desk['mpoc'].email}>",
        subject="Trunk down",
        to="Support <support@example.com>, Vendor <Vendor@Carrier.example.net>",
        headers={
            "Cc": f"Lee <{desk['other'].email}>, support+CS-000042@example.com, HELP@desk.example.org, "
            f"{desk['mpoc'].email}, {StaffFactory().email}"
        },
    )
    result = intake.ingest(raw)
    assert result.outcome == "created"
    case = case_of(result)
    assert copied(case) == {(desk["other"].email, ""), ("", "vendor@carrier.example.net")}
    row = Participant.objects.get(case=case, address="vendor@carrier.example.net")
    assert (row.source, row.added_by_contact) == ("email", desk["mpoc"])
    assert case.events.filter(kind="change", changes__participant__1="vendor@carrier.example.net").exists()
    actions.add_comment(case, by=desk["techs"][0], body="A carrier ticket is open.")
    assert sorted(OutboundMessage.objects.filter(kind="staff_reply").values_list("to", flat=True)) == sorted(
        [desk["mpoc"].email, desk["other"].email, "vendor@carrier.example.net"]
    )


def test_a_participants_reply_threads_and_its_cc_joins_them(desk):
    case = case_of(intake.ingest(make_mail(desk["mpoc"].email, subject="Trunk down")))
    staff = desk["techs"][0]
    actions.add_participants(case, by=staff, addresses=["vendor@carrier.example.net"])
    actions.add_comment(case, by=staff, body="Vendor, please check the trunk.")
    notice = OutboundMessage.objects.get(kind="staff_reply", to="vendor@carrier.example.net")
    reply = make_mail(
        "vendor@carrier.example.net",
        subject=f"Re: [{case.number}] Trunk down",
        body="Found a fault on our side.",
        to=notice.headers["Reply-To"],
        in_reply_to=notice.message_id,
        references=notice.headers["References"] + " " + notice.message_id,
        headers={"Cc": "noc@carrier.example.net, support@example.com"},
    )
    result = intake.ingest(reply)
    assert (result.outcome, result.case) == ("appended", case.number)
    assert "Found a fault" in case.events.filter(kind="comment").last().body
    assert copied(case) == {("", "vendor@carrier.example.net"), ("", "noc@carrier.example.net")}


def test_a_participant_may_write_before_any_mail_reached_them_and_not_once_removed(desk):
    case = case_of(intake.ingest(make_mail(desk["mpoc"].email, subject="Trunk down")))
    staff = desk["techs"][0]
    row = actions.add_participants(case, by=staff, addresses=["vendor@carrier.example.net"])[0]
    first = intake.ingest(
        make_mail("vendor@carrier.example.net", subject="Trunk", to=f"support+{case.number}@example.com")
    )
    assert (first.outcome, first.case) == ("appended", case.number)
    actions.add_comment(case, by=staff, body="Thanks, vendor.")  # mail to them: on the thread
    actions.remove_participant(case, row.pk, by=staff)
    again = intake.ingest(
        make_mail("vendor@carrier.example.net", subject=f"Re: [{case.number}] Trunk", body="me again")
    )
    assert again.outcome == "quarantined" and "not a participant" in again.reason


def test_a_stranger_copying_people_on_a_case_adds_no_one(desk):
    case = case_of(intake.ingest(make_mail(desk["mpoc"].email, subject="Trunk down")))
    result = intake.ingest(
        make_mail(
            "mallory@elsewhere.example.org",
            subject=f"[{case.number}] hi",
            headers={"Cc": "friend@elsewhere.example.org"},
        )
    )
    assert result.outcome == "quarantined"
    assert not Participant.objects.exists()


def test_a_reply_that_reopens_a_case_copies_its_cc_on_it(desk):
    case = case_of(intake.ingest(make_mail(desk["mpoc"].email, subject="Trunk down")))
    actions.transition(case, to="closed", by=desk["techs"][0], resolution="Trunk replaced.")
    result = intake.ingest(
        make_mail(
            desk["mpoc"].email,
            subject=f"Re: [{case.number}] Trunk down",
            body="It is down again.",
            headers={"Cc": "noc@carrier.example.net"},
        )
    )
    assert (result.outcome, result.case) == ("reopened", case.number)
    assert copied(case) == {("", "noc@carrier.example.net")}
