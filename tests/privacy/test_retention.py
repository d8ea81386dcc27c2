"""Retention: a closed case's attachment files are removed once the rule's days after
closure have passed; the rows stay as the record, the download answers 404, the timeline
says what went, and a case not closed long enough (or reopened) keeps its files."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casedesk.cases import actions
from casedesk.cases.models import Attachment, CaseEvent
from casedesk.core.uploads import Upload
from casedesk.privacy import sweeps
from casedesk.privacy.models import RetentionRule
from tests.factories import OrganisationFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _closed_case(user, tech, title):
    case = make_case(by=user, title=title, uploads=[Upload(f"{title}.pdf", PDF)])
    actions.transition(case, to="closed", by=tech, resolution="Fixed.")
    return case


def test_the_files_of_cases_closed_past_the_rule_are_removed_and_their_record_kept(
    django_capture_on_commit_callbacks,
):
    org = OrganisationFactory()
    user, tech = customer(org), StaffFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        old = _closed_case(user, tech, "old-trace")
        traveller.shift(timedelta(days=30))
        recent = _closed_case(user, tech, "recent-trace")
        reopened = _closed_case(user, tech, "reopened-trace")
        actions.request_reopen(reopened, by=user, note="Still broken")
        stored = Attachment.objects.get(case=old)
        path = stored.file.path
        traveller.shift(timedelta(days=336))  # 366 days after the first closed
        with django_capture_on_commit_callbacks(execute=True):  # the files go after the commit
            assert sweeps.purge_due(timezone.now()) == {"attachment": 1}
        stored.refresh_from_db()
        assert stored.purged_at is not None and not stored.file and stored.name == "old-trace.pdf"
        assert not os.path.exists(path)
        assert Attachment.objects.get(case=recent).purged_at is None
        assert Attachment.objects.get(case=reopened).purged_at is None
        entry = old.events.filter(kind=CaseEvent.Kind.CHANGE, public=False).last()
        assert "old-trace.pdf" in entry.body and "365 days" in entry.body
        client = Client()
        client.force_login(user)
        assert client.get(f"/attachments/{stored.pk}/").status_code == 404
        page = client.get(f"/portal/cases/{old.number}/").content.decode()
        assert "removed under the retention rule" in page
        assert sweeps.purge_due(timezone.now()) == {"attachment": 0}  # once


def test_a_rule_switched_off_or_longer_keeps_the_files():
    org = OrganisationFactory()
    user, tech = customer(org), StaffFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        case = _closed_case(user, tech, "kept")
        traveller.shift(timedelta(days=400))
        RetentionRule.objects.create(kind="attachment", days=730)
        assert sweeps.purge_due(timezone.now()) == {"attachment": 0}
        RetentionRule.objects.filter(kind="attachment").update(days=730, active=False)
        assert sweeps.purge_due(timezone.now()) == {}
        assert Attachment.objects.get(case=case).purged_at is None
