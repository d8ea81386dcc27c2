import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0006_typed_history"),
        ("sla", "0004_support_path_order"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseEscalation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField()),
                ("at", models.DateTimeField()),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="escalations", to="cases.case"
                    ),
                ),
                (
                    "path",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sla.escalationpath"
                    ),
                ),
            ],
            options={
                "ordering": ["case", "path"],
                "constraints": [
                    models.UniqueConstraint(fields=("case", "path"), name="case_escalation_per_path")
                ],
            },
        ),
    ]
