from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.core.sweeps import run_all
from casedesk.inventory import actions
from casedesk.inventory.models import ChangeBatch, ChargeEvent, Item, ItemEvent
from casedesk.rules.inventory import Change
from tests.factories import OrganisationFactory, StaffFactory, customer
from tests.inventory.helpers import licence, number, org_with_mpoc, seat

pytestmark = pytest.mark.django_db
NOV_17 = timezone.make_aware(datetime(2026, 11, 17, 10, 0))


@time_machine.travel(NOV_17, tick=False)
def test_adds_are_applied_audited_and_charged_pro_rata():
    org, mpoc = org_with_mpoc()
    outcome = actions.apply_changes(
        mpoc, org, [seat(), number(assigned_to="Ann@acme.example.com"), licence()]
    )
    assert outcome.count == 3 and not outcome.errors
    items = {(i.kind, i.key) for i in Item.objects.filter(organisation=org)}
    assert items == {
        ("seat", "ann@acme.example.com"),
        ("number", "+13035550100"),
        ("licence", "teams/teams phone/ann@acme.example.com"),
    }
    charge = ChargeEvent.objects.get(organisation=org)
    assert charge.monthly_delta == Decimal("30.00") and charge.amount == Decimal("14.00")
    assert charge.effective == date(2026, 11, 17)
    events = list(ItemEvent.objects.filter(organisation=org).order_by("id"))
    assert [e.op for e in events] == ["add", "add", "add"]
    assert events[1].new["number"] == "+13035550100" and events[1].old is None
    assert events[0].by_id == mpoc.pk


@time_machine.travel(NOV_17, tick=False)
def test_a_refused_change_leaves_nothing_written_and_names_every_problem():
    org, mpoc = org_with_mpoc()
    with pytest.raises(actions.ChangesRefused) as refused:
        actions.apply_changes(
            mpoc,
            org,
            [
                seat(),
                number(raw="555"),
                licence(price="-3"),
                Change("device", "add", values={"model": "VVX"}),
            ],
        )
    assert [ln.index for ln in refused.value.lines] == [1, 2, 3]
    assert "not a valid phone number" in str(refused.value)
    assert not Item.objects.exists() and not ItemEvent.objects.exists() and not ChargeEvent.objects.exists()
    assert not ChangeBatch.objects.exists()


@time_machine.travel(NOV_17, tick=False)
def test_a_number_is_held_by_one_organisation():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [number()])
    second = OrganisationFactory()
    with pytest.raises(actions.ChangesRefused, match="held by another organisation"):
        actions.apply_changes(customer(second), second, [number(raw="(303) 555-0100")])


@time_machine.travel(NOV_17, tick=False)
def test_moves_changes_and_deletes():
    org, mpoc = org_with_mpoc()
    actions.apply_changes(mpoc, org, [seat(), number(assigned_to="ann@acme.example.com"), licence()])
    actions.apply_changes(
        mpoc,
        org,
        [
            Change(
                "number",
                "move",
                "303-555-0100",
                {"site": "Boulder", "service_address": "2 Pearl St, Boulder CO"},
            ),
            Change("licence", "change", "teams/Teams Phone/ann@acme.example.com", {"quantity": "2"}),
        ],
    )
    n = Item.objects.get(kind="number")
    assert n.site == "Boulder" and n.service_address.startswith("2 Pearl")
    assert ChargeEvent.objects.order_by("-id").first().amount == Decimal("14.00")
    with pytest.raises(actions.ChangesRefused, match="still has"):
        actions.apply_changes(mpoc, org, [Change("seat", "delete", "ann@acme.example.com")])
    actions.apply_changes(
        mpoc,
        org,
        [
            Change("licence", "delete", "teams/teams phone/ann@acme.example.com"),
            Change("number", "delete", "+13035550100"),
            Change("seat", "delete", "ANN@acme.example.com"),
        ],
    )
    assert not Item.objects.exists()
    credit = ChargeEvent.objects.order_by("-id").first()
    assert credit.monthly_delta == Decimal("-60.00") and credit.amount == Decimal("-28.00")


@time_machine.travel(NOV_17, tick=False)
def test_preview_shows_the_charge_and_writes_nothing():
    org, mpoc = org_with_mpoc()
    preview = actions.preview_changes(mpoc, org, [seat(), licence()])
    assert preview.amount == Decimal("14.00") and preview.monthly == Decimal("30.00")
    assert not Item.objects.exists() and not ChangeBatch.objects.exists()


def test_scheduled_changes_wait_for_their_day():
    org, mpoc = org_with_mpoc()
    with time_machine.travel(NOV_17, tick=False):
        outcome = actions.apply_changes(mpoc, org, [seat(), licence()], effective=date(2026, 12, 1))
        assert outcome.scheduled and outcome.amount == Decimal("30.00")
        assert not Item.objects.exists()
        run_all()
        assert not Item.objects.exists()
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 1, 0, 1)), tick=False):
        run_all()
    batch = ChangeBatch.objects.get()
    assert batch.status == "applied" and Item.objects.count() == 2
    assert ChargeEvent.objects.get().effective == date(2026, 12, 1)


@time_machine.travel(NOV_17, tick=False)
def test_past_dates_other_organisations_and_plain_contacts_are_refused():
    org, mpoc = org_with_mpoc()
    with pytest.raises(Refused, match="in the past"):
        actions.apply_changes(mpoc, org, [seat()], effective=date(2026, 11, 16))
    with pytest.raises(NotFound):
        actions.apply_changes(customer(OrganisationFactory()), org, [seat()])
    with pytest.raises(Forbidden, match="main points of contact"):
        actions.apply_changes(customer(org, mpoc=False), org, [seat()])
    staff = StaffFactory()
    assert actions.apply_changes(staff, org, [seat()]).count == 1
    admin = customer(org, mpoc=False)
    from casedesk.inventory.models import Administrator

    Administrator.objects.create(contact=admin.contact)
    assert actions.apply_changes(admin, org, [seat(email="bo@acme.example.com")]).count == 1
