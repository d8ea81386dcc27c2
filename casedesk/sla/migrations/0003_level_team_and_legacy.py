"""Escalation levels for one team's platforms or for legacy network customers only, and
never at one of the desk's own intake addresses (the data follows in 0004)."""

from django.db import migrations, models

import casedesk.core.mailboxes


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("sla", "0002_plan_defaults")]

    operations = [
        migrations.AddField(
            model_name="escalationlevel",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="For a platform team's manager: chosen when the case's platform is this team's.",
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AddField(
            model_name="escalationlevel",
            name="legacy_network_only",
            field=models.BooleanField(
                default=False,
                help_text="Only for organisations that are legacy network customers (network operations).",
            ),
        ),
        migrations.AlterField(
            model_name="escalationlevel",
            name="email",
            field=models.EmailField(
                blank=True,
                help_text="Blank for the support desk itself: the case's assignee and team manager are told.",
                max_length=254,
                validators=[casedesk.core.mailboxes.not_ours],
            ),
        ),
    ]
