"""MACD requests through the actions: submitting, approvals (any one or all MPOCs, the
raiser's own, pre-approved changes, the e-mailed links), the work gate on every case action,
billable time and the completion target."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from casedesk.accounts.models import Team
from casedesk.cases import actions as cases
from casedesk.cases.models import Case
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.macd import actions, timesheet
from casedesk.macd.models import Approval, PreApprovedChange, TimeEntry
from casedesk.macd.selectors import panel
from casedesk.rules.calendar import DENVER
from casedesk.sla.models import Breach
from tests.macd.helpers import approval_links, contact_of, submit, token_of, world

pytestmark = pytest.mark.django_db
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=DENVER)


@time_machine.travel(MONDAY_9, tick=False)
def test_an_mpoc_raises_a_request_which_counts_as_their_approval() -> None:
    w = world()
    case = submit(w.dana)
    assert case.kind == "macd" and case.approval == "approved"  # any one MPOC: Dana's own
    assert case.team == w.team
    assert case.completion_due == datetime(2026, 12, 9, 9, 0, tzinfo=DENVER)  # 2 x 12 business hours
    assert case.first_response_due == datetime(2026, 12, 8, 9, 0, tzinfo=DENVER)  # one extended business day
    rows = {a.contact.name: a.decision for a in Approval.objects.filter(request_id=case.pk)}
    assert rows == {"Dana": "approved", "Sam": "pending"}


@time_machine.travel(MONDAY_9, tick=False)
def test_all_mpocs_must_approve_and_one_decline_declines() -> None:
    w = world(rule="all", mpocs=3)
    case = submit(w.dana)
    assert case.approval == "pending"
    links = approval_links("sam@" + w.org.account_number.lower() + ".example.com")
    assert set(links) == {"approve", "decline"}
    # Staff see it but every work action is refused with the reason, until all approved.
    with pytest.raises(Forbidden, match="awaiting approval"):
        cases.transition(case, to="in_progress", by=w.tech)
    with pytest.raises(Forbidden, match="awaiting approval"):
        timesheet.log_time(case, by=w.tech, minutes=16, note="Set up the seat")
    with pytest.raises(Forbidden, match="awaiting approval"):
        cases.disposition(case, by=w.tech, priority="P4", team=w.team, assignee=w.tech)
    _, state = actions.decide_by_link(token_of(links["approve"]), approve=True)
    assert state == "pending"  # Kim has not decided
    kim = actions.decide(
        Case.objects.get(pk=case.pk), by=w.kim, approve=False, via="portal", note="Not budgeted"
    )
    assert kim == "declined"
    case.refresh_from_db()
    assert case.approval == "declined" and case.completion_due is None
    with pytest.raises(Forbidden, match="declined"):
        timesheet.log_time(case, by=w.tech, minutes=16, note="x")
    with pytest.raises(Forbidden, match="declined"):
        cases.transition(case, to="in_progress", by=w.tech)
    cases.transition(
        case, to="closed", by=w.tech, resolution="Declined by the customer."
    )  # closing is allowed


@time_machine.travel(MONDAY_9, tick=False)
def test_links_are_single_use_expiring_and_the_approver_cannot_decide_twice() -> None:
    w = world(rule="all", mpocs=3)
    case = submit(w.dana)
    sam = "sam@" + w.org.account_number.lower() + ".example.com"
    token = token_of(approval_links(sam)["approve"])
    assert len(Approval.objects.get(request_id=case.pk, contact=contact_of(w.sam)).token_hash) == 64
    assert not Approval.objects.filter(token_hash=token).exists()  # only the digest is kept
    actions.decide_by_link(token, approve=True)
    with pytest.raises(Refused, match="used already"):
        actions.decide_by_link(token, approve=False)
    with pytest.raises(Refused, match="already approved"):
        actions.decide(Case.objects.get(pk=case.pk), by=w.sam, approve=False, via="portal")
    kim = "kim@" + w.org.account_number.lower() + ".example.com"
    kim_token = token_of(approval_links(kim)["decline"])
    with (
        time_machine.travel(MONDAY_9 + timedelta(hours=73), tick=False),
        pytest.raises(Refused, match="expired"),
    ):
        actions.decide_by_link(kim_token, approve=False)
    with pytest.raises(NotFound):
        actions.decide_by_link("not-a-token", approve=True)
    case.refresh_from_db()
    assert case.approval == "pending"  # nothing changed by the refusals


@time_machine.travel(MONDAY_9, tick=False)
def test_another_organisations_mpoc_cannot_approve() -> None:
    w, other = world(rule="all"), world()
    case = submit(w.dana)
    with pytest.raises(NotFound):
        actions.decide(case, by=other.dana, approve=True, via="portal")
    case.refresh_from_db()
    assert case.approval == "pending"


def test_a_non_mpoc_cannot_raise_a_request() -> None:
    w = world()
    with pytest.raises(Forbidden, match="Dana"):
        submit(w.lee)
    assert not Case.objects.filter(kind="macd").exists()


def test_bad_changes_are_refused_and_nothing_is_written() -> None:
    w = world()
    for wrong, why in [
        ([], "at least one change"),
        ([{"kind": "seat", "op": "explode"}], "unknown change type"),
        ([{"kind": "number", "op": "delete"}], "name the phone number"),
    ]:
        with pytest.raises(Refused, match=why):
            submit(w.dana, changes=wrong)
    assert not Case.objects.exists()


@time_machine.travel(MONDAY_9, tick=False)
def test_pre_approved_changes_skip_approval() -> None:
    w = world(rule="all")
    PreApprovedChange.objects.create(organisation=w.org, change_type="seat:add")
    case = submit(w.dana)
    assert case.approval == "not_needed"
    assert not Approval.objects.filter(request_id=case.pk).exists()
    assert case.completion_due is not None


@time_machine.travel(MONDAY_9, tick=False)
def test_time_is_billed_in_quarter_hours_and_locks_once_invoiced(settings) -> None:
    w = world()
    case = submit(w.dana)
    entry = timesheet.log_time(case, by=w.tech, minutes=16, note="Set up the seat")
    assert panel(case, w.dana.contact).totals.fee.total == Decimal("50.00")
    for minutes, why in [(-1, "negative"), (0, "at least one minute"), (1441, "more than 24 hours")]:
        with pytest.raises(Refused, match=why):
            timesheet.log_time(case, by=w.tech, minutes=minutes, note="x")
    assert TimeEntry.objects.count() == 1
    timesheet.edit_entry(entry.pk, by=w.tech, minutes=20, note="Set up the seat and phone")
    assert timesheet.mark_invoiced([entry.pk], reference="INV-2026-12") == 1
    with pytest.raises(Refused, match="invoiced"):
        timesheet.edit_entry(entry.pk, by=w.tech, minutes=5, note="less")
    entry.refresh_from_db()
    assert entry.minutes == 20
    settings.CASEDESK_MACD_HOURLY_RATE = "120.00"
    assert panel(case, w.dana.contact).totals.fee.total == Decimal("60.00")


@time_machine.travel(MONDAY_9, tick=False)
def test_timer_start_stop() -> None:
    w = world()
    case = submit(w.dana)
    timesheet.start_timer(case, by=w.tech)
    with pytest.raises(Refused, match="running already"):
        timesheet.start_timer(case, by=w.tech)
    with time_machine.travel(MONDAY_9 + timedelta(minutes=15, seconds=10), tick=False):
        entry = timesheet.stop_timer(case, by=w.tech, note="Ported the number")
    assert entry.minutes == 16
    with pytest.raises(Refused, match="no timer"):
        timesheet.stop_timer(case, by=w.tech)


@time_machine.travel(MONDAY_9, tick=False)
def test_a_vendor_extension_moves_the_target_and_tells_the_customer() -> None:
    w = world()
    case = submit(w.dana)
    before = case.completion_due
    case = actions.extend(
        case, by=w.tech, minutes=120, note="The carrier needs two more hours to port the number"
    )
    assert case.completion_due == before + timedelta(hours=2)
    from casedesk.outbox.models import OutboundMessage

    told = OutboundMessage.objects.filter(kind="completion_extended", case_id=case.pk)
    assert told.filter(to__startswith="dana@").exists()
    assert "two more hours" in told.first().text
    with pytest.raises(Refused, match="longer than zero"):
        actions.extend(case, by=w.tech, minutes=0, note="x")


@time_machine.travel(datetime(2026, 12, 4, 19, 0, tzinfo=DENVER), tick=False)
def test_urgent_after_hours_goes_to_the_24x7_team_expedited() -> None:
    w = world()
    noc, _ = Team.objects.get_or_create(slug="24x7", defaults={"name": "24x7 operations"})
    case = submit(w.dana, urgent=True)
    assert case.team == noc
    assert case.macd.speed == "expedited" and case.macd.service_level == "expedited_24x7"
    assert case.first_response_due == datetime(2026, 12, 4, 23, 0, tzinfo=DENVER)


@time_machine.travel(MONDAY_9, tick=False)
def test_completion_is_a_clock_the_sweeps_warn_and_breach_on() -> None:
    from casedesk.escalation import sweeps

    w = world()
    case = submit(w.dana)
    cases.add_comment(case, by=w.tech, body="We are on it.")  # the first response
    with time_machine.travel(case.completion_due + timedelta(minutes=1), tick=False):
        sweeps.sla_alerts(case.completion_due + timedelta(minutes=1))
    assert Breach.objects.filter(case=case, clock="completion").exists()


def test_the_sla_report_counts_completions_met_and_missed() -> None:
    from casedesk.escalation.selectors import completion_report

    with time_machine.travel(MONDAY_9, tick=False):
        w = world()
        on_time, late = submit(w.dana), submit(w.dana, title="Second")
        cases.add_comment(on_time, by=w.tech, body="On it.")
        cases.transition(on_time, to="resolved_follow_up", by=w.tech, note="Done.")
        on_time.refresh_from_db()
        assert on_time.completed_at == MONDAY_9
    with time_machine.travel(late.completion_due + timedelta(hours=1), tick=False):
        rows = completion_report(MONDAY_9.date(), MONDAY_9.date() + timedelta(days=7))
    assert [(r.team, r.done, r.late, r.pct) for r in rows] == [("Provisioning", 2, 1, 50.0)]
