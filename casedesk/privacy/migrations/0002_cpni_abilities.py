"""Staff roles stored before CPNI was guarded get its abilities as the rules' defaults give
them (representatives, technicians and managers see a verified caller's CPNI; managers keep
the disclosure log and privacy requests). Roles an administrator edited keep their edits
otherwise."""

from django.db import migrations

from casedesk.rules import permissions as rules


def grant(apps, schema_editor):
    StaffRole = apps.get_model("accounts", "StaffRole")
    for row in StaffRole.objects.all():
        try:
            role = rules.StaffRole(row.key)
        except ValueError:
            continue
        held = set(row.abilities or [])
        for ability in (rules.Ability.VIEW_CPNI, rules.Ability.PRIVACY):
            if ability in rules.DEFAULTS[role]:
                held.add(ability.value)
        row.abilities = sorted(held)
        row.save(update_fields=["abilities"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_cpni_and_privacy"), ("accounts", "0003_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
