"""Staff roles as data: what each role may do, seeded with the rules' defaults."""

from django.db import migrations, models

from casedesk.rules import permissions as rules

ROLE_CHOICES = [
    ("representative", "Customer service representative"),
    ("technician", "Technician / specialist"),
    ("manager", "Manager"),
    ("billing", "Billing"),
    ("administrator", "Administrator"),
]


def seed(apps, schema_editor):
    StaffRole = apps.get_model("accounts", "StaffRole")
    for role in rules.StaffRole:
        StaffRole.objects.get_or_create(
            key=role.value,
            defaults={"name": role.label, "abilities": sorted(a.value for a in rules.DEFAULTS[role])},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_shifts"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffRole",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(choices=ROLE_CHOICES, max_length=20, unique=True)),
                ("name", models.CharField(max_length=80)),
                (
                    "abilities",
                    models.JSONField(
                        blank=True, default=list, help_text="The keys of the abilities the role holds."
                    ),
                ),
            ],
            options={"ordering": ["key"]},
        ),
        migrations.AlterField(
            model_name="user",
            name="staff_role",
            field=models.CharField(
                blank=True,
                choices=ROLE_CHOICES,
                help_text="What a staff member may do follows the role (see Staff roles); "
                "a superuser may do everything.",
                max_length=20,
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
