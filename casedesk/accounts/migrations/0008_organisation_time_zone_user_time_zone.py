import casedesk.core.when
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_organisation_unverified_mail"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="Times in its people's pages and its case e-mails (e.g. America/Chicago); "
                "empty: the plan's zone.",
                max_length=64,
                validators=[casedesk.core.when.validate_zone],
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="Times shown to this person (e.g. America/Chicago); empty: the organisation's "
                "zone for a customer, the plan's zone for staff.",
                max_length=64,
                validators=[casedesk.core.when.validate_zone],
            ),
        ),
    ]
