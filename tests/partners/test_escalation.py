"""A partner's own escalation contacts: reached for the cases of the customers it manages,
in place of the level's others; never for anyone else's; shown where they apply."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.forms.models import model_to_dict
from django.test import Client

from casedesk.escalation import actions as escalation
from casedesk.outbox.models import OutboundMessage
from casedesk.sla.models import EscalationLevel, EscalationPath
from tests.factories import (
    AdministratorFactory,
    OrganisationFactory,
    UserFactory,
    customer,
    make_case,
    partner_user,
)
from tests.sla.test_escalation_order import DAY, NOC, platforms  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
ModelForm = modelform_factory(EscalationLevel, exclude=())


def _partner_level(partner, level: int = 5, email: str = "noc@acme-partner.example.com") -> EscalationLevel:
    return EscalationLevel.objects.create(
        path=EscalationPath.objects.get(kind="support"),
        level=level,
        role="Acme NOC",
        name="Acme's NOC desk",
        email=email,
        partner=partner,
    )


def test_a_partners_customer_reaches_its_partners_contact_in_place_of_the_general_one(platforms):  # noqa: F811
    acme = OrganisationFactory(kind="partner", name="Acme Partner")
    managed = OrganisationFactory(platforms=[platforms["circuits"]])
    direct = OrganisationFactory(platforms=[platforms["circuits"]])
    partner_user({managed: "full"}, partner=acme)
    _partner_level(acme)
    with time_machine.travel(DAY, tick=False):
        for org, role, address in (
            (managed, "Acme NOC", "noc@acme-partner.example.com"),
            (direct, NOC, "noc.manager@example.com"),
        ):
            user = customer(org)
            case = make_case(by=user, platform=platforms["circuits"])
            escalation.escalate(case, by=user)
            OutboundMessage.objects.all().delete()
            case, reached = escalation.escalate(case, by=user)
            assert case.escalation_level == 5 and [lv.role for lv in reached] == [role]
            assert list(OutboundMessage.objects.values_list("to", flat=True)) == [address]


def test_another_partners_contact_is_never_reached(platforms):  # noqa: F811
    acme, globex = OrganisationFactory(kind="partner"), OrganisationFactory(kind="rebiller")
    managed = OrganisationFactory(platforms=[platforms["circuits"]])
    partner_user({managed: "full"}, partner=globex)
    _partner_level(acme)
    user = customer(managed)
    with time_machine.travel(DAY, tick=False):
        case = make_case(by=user, platform=platforms["circuits"])
        escalation.escalate(case, by=user)
        case, reached = escalation.escalate(case, by=user)
    assert [lv.role for lv in reached] == [NOC]


def test_a_level_for_a_plain_customer_is_refused():
    level = EscalationLevel(
        path=EscalationPath.objects.get(kind="support"),
        level=5,
        role="x",
        name="x",
        partner=OrganisationFactory(),
    )
    with pytest.raises(ValidationError, match="neither a partner nor a rebiller"):
        level.full_clean()


def test_the_published_page_shows_a_partners_contact_only_where_it_applies():
    acme = OrganisationFactory(kind="partner", name="Acme <Partner>")
    managed, direct = OrganisationFactory(), OrganisationFactory()
    person = partner_user({managed: "cases"}, partner=acme)
    _partner_level(acme)

    def page(user) -> str:
        client = Client()
        client.force_login(user)
        return client.get("/portal/escalation/").content.decode()

    assert "Acme&#x27;s NOC desk" in page(customer(managed))
    assert "Acme&#x27;s NOC desk" in page(person)
    assert "Acme&#x27;s NOC desk" not in page(customer(direct))
    staff = page(AdministratorFactory())
    assert "Acme&#x27;s NOC desk" in staff and "for customers of Acme &lt;Partner&gt;" in staff
    plan = Client().get("/plan/escalation/")
    assert plan.status_code == 200 and "Escalation" in plan.content.decode()
    assert "Acme&#x27;s NOC desk" not in plan.content.decode()


def test_the_admin_names_a_partner_on_a_level_and_offers_only_partners_and_rebillers():
    acme = OrganisationFactory(kind="rebiller", name="Acme Rebiller")
    plain = OrganisationFactory(name="Plain Customer Co")
    path = EscalationPath.objects.get(kind="support")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/sla/escalationpath/{path.pk}/change/").content.decode()
    assert "levels-0-partner" in page and "Acme Rebiller" in page and "Plain Customer Co" not in page
    level = path.levels.order_by("level", "id").first()
    form = ModelForm(data={**model_to_dict(level), "partner": plain.pk}, instance=level)
    assert not form.is_valid() and "partner" in form.errors
    form = ModelForm(data={**model_to_dict(level), "partner": acme.pk}, instance=level)
    assert form.is_valid(), form.errors
    form.save()
    assert EscalationLevel.objects.get(pk=level.pk).partner == acme


def test_a_p1_breach_at_night_pages_a_partners_own_on_call_for_its_customers_only():
    from casedesk.accounts import partners
    from casedesk.sla.models import Calendar
    from tests.sla.test_clocks_and_sweeps import _p1_case, mt, notices
    from tests.sla.test_clocks_and_sweeps import run_all as sweep

    acme = OrganisationFactory(kind="partner")
    EscalationLevel.objects.create(
        path=EscalationPath.objects.get(kind="support"),
        level=4,
        role="Acme on-call",
        name="Acme on-call",
        email="oncall@acme-partner.example.com",
        partner=acme,
        on_call_calendar=Calendar.objects.get(key="on-call"),
    )
    with time_machine.travel(mt(2026, 11, 28, 3, 0), tick=False):  # Saturday night
        managed, _, _ = _p1_case()
        direct, _, _ = _p1_case()
    partners.set_partner(AdministratorFactory(), managed.organisation, acme)
    with time_machine.travel(mt(2026, 11, 28, 3, 16), tick=False):
        sweep()
    paged = {(m.case_id, m.to) for m in notices("sla_breach") if "oncall" in m.to}
    assert paged == {(managed.pk, "oncall@acme-partner.example.com"), (direct.pk, "oncall@example.com")}
