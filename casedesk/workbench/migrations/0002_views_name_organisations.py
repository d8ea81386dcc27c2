"""Saved views named an organisation by its id when the filter was a list of every
organisation; the filter now takes its name (or account number), so a view keeps working
when the list gives way to a type-ahead."""

from urllib.parse import parse_qsl, urlencode

from django.db import migrations


def ids_to_names(apps, schema_editor):
    SavedView = apps.get_model("workbench", "SavedView")
    Organisation = apps.get_model("accounts", "Organisation")
    for view in SavedView.objects.filter(query__contains="organisation="):
        pairs = parse_qsl(view.query)
        changed = []
        for key, value in pairs:
            if key == "organisation" and value.isdigit():
                org = Organisation.objects.filter(pk=int(value)).first()
                value = org.name if org is not None else value
            changed.append((key, value))
        if changed != pairs:
            view.query = urlencode(sorted(changed))[:1000]
            view.save(update_fields=["query"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_contact_phone_e164"),
        ("workbench", "0001_initial"),
    ]

    operations = [migrations.RunPython(ids_to_names, migrations.RunPython.noop)]
