"""A manager's weekly report: e-mailed through the outbox once per week, a PDF attached
and a link to its CSV; run twice, the sweep sends nothing more."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from casedesk.core import sweeps
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.reporting import mail as report_mail
from casedesk.reporting import upkeep
from casedesk.reporting.models import Subscription
from tests.factories import ManagerFactory, StaffFactory, make_case

pytestmark = pytest.mark.django_db
MT = ZoneInfo("America/Denver")


def mt(*args: int) -> datetime:
    return datetime(*args, tzinfo=MT)


def test_a_weekly_report_is_sent_once_per_week_with_its_pdf(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    manager = ManagerFactory(email="mona@desk.example.net")
    client = Client()
    client.force_login(manager)
    with time_machine.travel(mt(2026, 11, 18, 10, 0), tick=False):  # a Wednesday
        response = client.post(
            "/console/reports/subscribe/", {"report": "volume", "every": "week", "channel": "portal"}
        )
        assert response.status_code == 302
        make_case()
    upkeep.advance()
    [sub] = Subscription.objects.all()
    assert sub.filters == {"channel": "portal"}
    with time_machine.travel(mt(2026, 11, 23, 7, 0), tick=False):  # the Monday after
        assert report_mail.send_due(mt(2026, 11, 23, 7, 0)) == 1
        assert report_mail.send_due(mt(2026, 11, 23, 8, 0)) == 0
        sweeps.run_one("scheduled_reports")  # the beat's run: still nothing more
        assert OutboundMessage.objects.filter(kind="scheduled_report").count() == 1
        delivery.deliver_due()
    [email] = [m for m in mail.outbox if m.to == ["mona@desk.example.net"]]
    assert email.subject == "Volume: Nov. 16, 2026 to Nov. 22, 2026"
    assert "format=csv" in email.body and "channel=portal" in email.body
    [(name, content, kind)] = email.attachments
    assert name == "volume-2026-11-16-2026-11-22.pdf" and kind == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Volume" in text and "Channel: Portal" in text.replace("channel", "Channel")
    assert "2026-11-18" in text
    with time_machine.travel(mt(2026, 11, 30, 7, 0), tick=False):
        assert report_mail.send_due(mt(2026, 11, 30, 7, 0)) == 1


def test_subscribing_after_the_period_waits_for_the_next_one():
    manager = ManagerFactory()
    with time_machine.travel(mt(2026, 11, 27, 10, 0), tick=False):  # a Friday
        Subscription.objects.create(
            user=manager, report="backlog", every="month", created_at=mt(2026, 11, 27, 10, 0)
        )
    assert report_mail.send_due(mt(2026, 12, 1, 7, 0)) == 1  # November: subscribed during it
    assert report_mail.send_due(mt(2026, 12, 2, 7, 0)) == 0


def test_only_managers_subscribe():
    client = Client()
    client.force_login(StaffFactory())
    assert (
        client.post("/console/reports/subscribe/", {"report": "volume", "every": "week"}).status_code == 403
    )
    assert not Subscription.objects.exists()
