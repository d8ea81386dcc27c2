"""The published plan is made from the data the desk enforces: editing the P3 policy in
the admin changes the priorities page; hours, statuses, escalation and maintenance come
from their tables; one PDF of it all."""

from __future__ import annotations

import pytest
from django.test import Client

from casedesk.sla.models import Calendar, EscalationPath, Policy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def row_of(page: str, code: str) -> str:
    start = page.index(f'id="priority-{code}"')
    return page[start : page.index("</tr>", start)]


def test_editing_the_p3_policy_in_the_admin_changes_the_published_page():
    public = Client()
    before = row_of(public.get("/plan/priorities/").content.decode(), "P3")
    assert "4 business hours" in before and "1 business day" in before
    policy = Policy.objects.get(priority="P3", vendor="")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/sla/policy/{policy.pk}/change/",
        {
            "priority": "P3",
            "vendor": "",
            "response_minutes": 120,
            "response_business_days": "0",
            "response_calendar": policy.response_calendar_id,
            "update_minutes": 0,
            "update_business_days": "0.5",
            "update_calendar": policy.update_calendar_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = row_of(public.get("/plan/priorities/").content.decode(), "P3")
    assert "2 business hours" in after and "0.5 business days" in after
    assert "4 business hours" not in after
    assert "4 business hours" not in row_of(public.get("/plan/").content.decode(), "P3")


def test_hours_statuses_escalation_and_maintenance_come_from_their_data():
    public = Client()
    chat = Calendar.objects.get(key="chat")
    chat.hours = "mon-fri 06:00-22:00"
    chat.save()
    hours = public.get("/plan/hours/").content.decode()
    assert "Mon-Fri 06:00-22:00 MT, closed on public holidays" in hours
    statuses = public.get("/plan/statuses/").content.decode()
    assert "Closed No Response" in statuses and "7 calendar days" in statuses
    path = EscalationPath.objects.get(kind="support")
    level = path.levels.order_by("level").last()
    escalation = public.get("/plan/escalation/").content.decode()
    assert level.name in escalation
    maintenance = public.get("/plan/maintenance/").content.decode()
    assert "Monthly scheduled maintenance" in maintenance
    assert "The third Friday of every month, 22:00-04:00 MT" in maintenance
    assert "E-mail 24 hours before" in maintenance  # the platform update's notice


def test_the_plan_as_one_pdf():
    response = Client().get("/plan/plan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
