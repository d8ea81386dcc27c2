"""Staff roles stored before the inventory existed get its abilities as the rules' defaults
give them (every role sees inventories; technicians, managers and administrators change
them). Roles an administrator edited keep their edits otherwise."""

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
        for ability in (rules.Ability.VIEW_INVENTORY, rules.Ability.MANAGE_INVENTORY):
            if ability in rules.DEFAULTS[role]:
                held.add(ability.value)
        row.abilities = sorted(held)
        row.save(update_fields=["abilities"])


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("accounts", "0003_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
