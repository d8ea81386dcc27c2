"""Maintenance as the plan has it: each kind's policy as data (seeded with the plan's
defaults, spelled out here so a later change to the code's defaults cannot change what an
existing database was given), start and completion notices and a business-hours reason per
window. Existing windows get their kind's notices; certificate and platform updates left at
the old blanket "under maintenance" become no-impact, as the plan has them.
"""

from datetime import timedelta

from django.db import migrations, models

# kind: (default impact, advance notice, at once, at start, at completion, outside 05:00-23:00)
POLICIES = {
    "monthly": ("maintenance", timedelta(days=7), False, True, True, False),
    "certificate": ("operational", None, False, False, False, False),
    "platform_update": ("operational", timedelta(hours=24), False, False, False, False),
    "one_off": ("maintenance", timedelta(days=7), False, True, True, False),
    "unscheduled": ("maintenance", None, True, False, True, True),
}


def seed(apps, schema_editor):
    Policy = apps.get_model("status", "MaintenanceKindPolicy")
    Window = apps.get_model("status", "MaintenanceWindow")
    for kind, (impact, lead, at_once, at_start, at_completion, quiet) in POLICIES.items():
        Policy.objects.get_or_create(
            kind=kind,
            defaults={
                "default_impact": impact,
                "reminder_lead": lead,
                "announce_on_entry": at_once,
                "notify_start": at_start,
                "notify_completion": at_completion,
                "quiet_hours": quiet,
            },
        )
        Window.objects.filter(kind=kind).update(notify_start=at_start, notify_completion=at_completion)
    Window.objects.filter(kind__in=["certificate", "platform_update"], impact="maintenance").update(
        impact="operational"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('status', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='MaintenanceKindPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('monthly', 'Monthly scheduled maintenance'), ('certificate', 'Certificate update'), ('platform_update', 'Portal/platform update'), ('one_off', 'One-off maintenance'), ('unscheduled', 'Unscheduled maintenance')], max_length=20, unique=True)),
                ('default_impact', models.CharField(choices=[('operational', 'Operational'), ('maintenance', 'Under maintenance'), ('degraded', 'Degraded performance'), ('partial', 'Partial outage'), ('major', 'Major outage')], default='maintenance', max_length=12)),
                ('reminder_lead', models.DurationField(blank=True, help_text='Advance notice this long before each start (e.g. 7 00:00:00); empty: none.', null=True)),
                ('announce_on_entry', models.BooleanField(default=False, help_text='A notice as soon as a window is entered, even after the fact.')),
                ('notify_start', models.BooleanField(default=False, help_text='For new windows: a notice when each occurrence begins (staff may change it).')),
                ('notify_completion', models.BooleanField(default=False, help_text='For new windows: a notice when each occurrence completes (staff may change it).')),
                ('quiet_hours', models.BooleanField(default=False, help_text='A window inside 05:00-23:00 local time needs a recorded reason.', verbose_name='best effort outside 05:00-23:00')),
            ],
            options={
                'verbose_name_plural': 'maintenance kind policies',
                'ordering': ['kind'],
            },
        ),
        migrations.AddField(
            model_name='maintenancewindow',
            name='business_hours_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='maintenancewindow',
            name='notify_completion',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='maintenancewindow',
            name='notify_start',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
