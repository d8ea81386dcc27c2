"""The batch writers store exactly what the ORM would, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.forms.models import model_to_dict

from casedesk.cases.models import Case, CaseEvent
from casedesk.core import bulk
from casedesk.mail.models import InboundMessage
from casedesk.rules.lifecycle import Status
from tests.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")


def _case(contact, **kw) -> Case:
    opened = datetime(2026, 3, 8, 1, 30, tzinfo=DENVER)  # the night clocks go forward
    values = {
        "organisation": contact.organisation,
        "contact": contact,
        "title": "Trunk down <b>",
        "description": "Ünïcode, quotes ' \" and 'emoji' \U0001f4de",
        "status": Status.IN_PROGRESS,  # an enum member, not a plain str
        "channel": "email",
        "needs_triage": False,
        "opened_at": opened,
        "updated_at": opened + timedelta(minutes=5),
        "first_response_due": datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        "sla_paused": True,
        "escalation_level": 2,
    }
    return Case(**{**values, **kw})


def _row(obj) -> dict:
    return model_to_dict(type(obj).objects.get(pk=obj.pk))


def test_insert_stores_what_save_stores():
    contact = ContactFactory()
    staff = StaffFactory()
    by_orm = _case(contact, assignee=staff)
    by_orm.save()
    batch = [_case(contact, assignee=staff), _case(contact, assignee=None, title="Second")]
    bulk.insert(batch)
    assert all(c.pk and not c._state.adding for c in batch)
    assert len({by_orm.pk, *(c.pk for c in batch)}) == 3
    expected = {k: v for k, v in _row(by_orm).items() if k != "id"}
    got = {k: v for k, v in _row(batch[0]).items() if k != "id"}
    assert got == expected
    assert Case.objects.get(pk=batch[1].pk).assignee is None
    assert Case.objects.get(pk=batch[0].pk).status == "in_progress"


def test_insert_takes_the_ids_of_relations_saved_after_assignment():
    contact = ContactFactory()
    case = _case(contact)
    at = case.opened_at
    events = [
        CaseEvent(case=case, at=at, actor_kind="customer", kind="created", changes={"p": [None, 4]}),
        CaseEvent(case=case, at=at, actor_kind="system", kind="change", changes={"a": ["x", "é"]}),
    ]
    bulk.insert([case])
    bulk.insert(events)
    stored = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.pk for e in stored] == [e.pk for e in events]
    assert [e.changes for e in stored] == [{"p": [None, 4]}, {"a": ["x", "é"]}]
    assert stored[0].at == case.opened_at


def test_insert_keeps_raw_bytes_and_chunks_past_the_parameter_limit():
    now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    rows = [
        InboundMessage(
            received_at=now,
            source="cli",
            raw=bytes(range(256)) * 4 + str(i).encode(),
            size=1025,
            fingerprint=f"{i:064d}",
            next_attempt_at=now,
        )
        for i in range(120)  # 120 rows of 20 columns: more than one statement on SQLite
    ]
    bulk.insert(rows)
    assert InboundMessage.objects.count() == 120
    last = InboundMessage.objects.get(pk=rows[-1].pk)
    assert bytes(last.raw) == bytes(range(256)) * 4 + b"119" and last.received_at == now


def test_update_rows_groups_by_columns_and_prepares_values():
    contact = ContactFactory()
    staff = StaffFactory()
    cases = [_case(contact) for _ in range(3)]
    bulk.insert(cases)
    due = datetime(2026, 3, 9, 9, 0, tzinfo=DENVER)
    done = bulk.update_rows(
        Case,
        [
            (cases[0].pk, {"next_due_at": due, "sla_paused": False, "assignee_id": staff.pk}),
            (cases[1].pk, {"first_response_due": None, "status": Status.RESOLVED}),
            (cases[2].pk, {}),
        ],
    )
    assert done == 2
    first, second, third = (Case.objects.get(pk=c.pk) for c in cases)
    assert first.next_due_at == due and not first.sla_paused and first.assignee == staff
    assert second.first_response_due is None and second.status == Status.RESOLVED.value
    assert _row(third) == _row(cases[2])
