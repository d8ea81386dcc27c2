"""The timeline stores raw values; entries stored with labels are rewritten by migration
and replay to the same clocks; labels appear only when shown."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as live_apps

from casedesk.cases import actions, clocks, selectors
from casedesk.cases.models import CaseEvent
from casedesk.rules.lifecycle import LABELS, Status
from casedesk.web import history
from tests.factories import StaffFactory, make_case

pytestmark = pytest.mark.django_db

migration = importlib.import_module("casedesk.cases.migrations.0006_typed_history")


def test_the_migration_spells_out_every_label_as_it_was():
    assert {Status(v) for v in migration.LABEL_TO_VALUE.values()} == set(Status)


def test_entries_stored_with_labels_are_rewritten_to_values_and_replay_the_same():
    staff = StaffFactory()
    case = make_case()
    actions.transition(case, to=Status.IN_PROGRESS.value, by=staff)
    actions.transition(case, to=Status.ON_HOLD.value, by=staff, hold_until=case.opened_at.replace(year=2099))
    case.refresh_from_db()
    typed = clocks.compute(case, case.updated_at)[1]
    # As entries were stored before: labels.
    for event in CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS):
        event.changes["status"] = [LABELS[Status(v)] if v else v for v in event.changes["status"]]
        event.save(update_fields=["changes"])
    assert CaseEvent.objects.filter(case=case, changes__status__1="On Hold").exists()

    migration.forwards(live_apps, None)

    stored = list(CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS).order_by("id"))
    assert [e.changes["status"] for e in stored] == [["new", "in_progress"], ["in_progress", "on_hold"]]
    assert clocks.compute(case, case.updated_at)[1] == typed

    migration.backwards(live_apps, None)
    assert CaseEvent.objects.filter(case=case, changes__status__1="On Hold").exists()


def test_labels_are_made_when_shown(django_assert_max_num_queries):
    staff = StaffFactory(first_name="Theo", last_name="Tran")
    case = make_case()
    actions.disposition(case, by=staff, priority="P2", team=None, assignee=staff)
    change = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CHANGE).get()
    assert change.changes["assignee"] == [None, staff.pk]
    assert change.changes["priority"] == ["P4", "P2"]
    with django_assert_max_num_queries(3):
        events = history.labelled(selectors.timeline(case, staff))
    rows = {field: (old, new) for e in events for field, old, new in e.change_rows}
    assert rows["assignee"] == (None, str(staff))
    assert rows["priority"] == ("Priority 4", "Priority 2")
