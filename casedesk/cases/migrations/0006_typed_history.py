"""Timeline entries store raw values: statuses recorded by their label become their value.

Labels as they were when entries were written (a later rename must not matter here, so
they are spelled out rather than read from the code)."""

from django.db import migrations

LABEL_TO_VALUE = {
    "New": "new",
    "In-Progress": "in_progress",
    "On Hold": "on_hold",
    "Customer Re-opened": "customer_reopened",
    "Shipping": "shipping",
    "Resolved Follow-up Required": "resolved_follow_up",
    "Closed": "closed",
    "Closed No Response": "closed_no_response",
    "Duplicate": "duplicate",
}
VALUE_TO_LABEL = {value: label for label, value in LABEL_TO_VALUE.items()}


def _convert(apps, mapping):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    batch = []
    rows = CaseEvent.objects.filter(kind__in=["status", "change", "created"]).only("id", "changes")
    for event in rows.iterator(chunk_size=2000):
        pair = (event.changes or {}).get("status")
        if not isinstance(pair, list) or not any(v in mapping for v in pair):
            continue
        event.changes["status"] = [mapping.get(v, v) for v in pair]
        batch.append(event)
        if len(batch) >= 1000:
            CaseEvent.objects.bulk_update(batch, ["changes"])
            batch = []
    if batch:
        CaseEvent.objects.bulk_update(batch, ["changes"])


def forwards(apps, schema_editor):
    _convert(apps, LABEL_TO_VALUE)


def backwards(apps, schema_editor):
    _convert(apps, VALUE_TO_LABEL)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
