from django.db import migrations, models

import casedesk.core.mailboxes


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="legacy_network",
            field=models.BooleanField(
                default=False,
                help_text="On the provider's legacy network: network operations is on its support "
                "escalation path.",
                verbose_name="legacy network customer",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="email",
            field=models.EmailField(
                blank=True,
                help_text="Required, except for the provider's own organisation (master cases).",
                max_length=254,
                validators=[casedesk.core.mailboxes.not_ours],
            ),
        ),
        migrations.AlterField(
            model_name="escalationcontact",
            name="email",
            field=models.EmailField(blank=True, max_length=254, validators=[casedesk.core.mailboxes.not_ours]),
        ),
    ]
