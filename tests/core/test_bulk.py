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
from tests.factories import ContactFactory, StaffFactory, make_case

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


def _state(obj):
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}, obj._state.adding, obj._state.db


@pytest.mark.django_db
def test_new_builds_the_instance_the_constructor_builds():
    from casedesk.outbox.models import MessageLink

    case_row = make_case()
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for model, values in (
        (InboundMessage, {"received_at": now, "source": "cli", "raw": b"x", "size": 1, "fingerprint": "f"}),
        (CaseEvent, {"case": case_row, "at": now, "actor": None, "kind": "comment", "changes": {}}),
        (CaseEvent, {"case_id": case_row.pk, "at": now, "kind": "comment"}),
        (MessageLink, {"message_id": "<m@x>", "case": case_row, "direction": "in", "created_at": now}),
        (
            Case,
            {
                "title": "t",
                "organisation": case_row.organisation,
                "contact": case_row.contact,
                "assignee": None,
                "opened_at": now,
                "updated_at": now,
            },
        ),
    ):
        built, expected = bulk.new(model, **values), model(**values)
        assert bulk._NEW[model] is not False  # built without the constructor
        assert type(built) is model and _state(built) == _state(expected)
        assert built._state.fields_cache.keys() == expected._state.fields_cache.keys()
        if "case" in values:
            assert built.case is case_row
    with pytest.raises(TypeError):
        bulk.new(MessageLink, no_such_field=1)  # left to the constructor, which refuses it


def test_values_handed_on_as_they_are_are_what_the_fields_make_of_them():
    from django.db import connection

    for name, value in (("status", Status.IN_PROGRESS), ("title", "plain"), ("closed_at", None)):
        field = Case._meta.get_field(name)
        prepared = bulk._value_preparer(field)(value, connection, {})
        expected = field.get_db_prep_save(value, connection)
        assert prepared == expected and type(prepared) is type(expected)
