# The outbox's models moved here from the mail app; their tables stay where they are
# (`mail_...`, created by mail 0001 and 0002), so this only records them in this app's
# state. mail 0003 removes them from the mail app's state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0002_event_contact'),
        ('mail', '0002_inbound'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutboundMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField()),
                        ('kind', models.CharField(max_length=40)),
                        ('to', models.CharField(max_length=254)),
                        ('subject', models.CharField(max_length=255)),
                        ('text', models.TextField()),
                        ('html', models.TextField(blank=True)),
                        ('message_id', models.CharField(max_length=255, unique=True)),
                        ('headers', models.JSONField(blank=True, default=dict)),
                        ('dedupe_key', models.CharField(blank=True, max_length=200, null=True, unique=True)),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed (gave up)')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField()),
                        ('locked_until', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outbound', to='cases.case')),
                    ],
                    options={
                        'db_table': 'mail_outboundmessage',
                        'ordering': ['id'],
                        'indexes': [models.Index(condition=models.Q(('state', 'pending')), fields=['next_attempt_at', 'id'], name='outbox_pending_due'), models.Index(fields=['case', 'id'], name='outbox_case')],
                    },
                ),
                migrations.CreateModel(
                    name='MessageLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('message_id', models.CharField(max_length=255)),
                        ('direction', models.CharField(choices=[('in', 'Received'), ('out', 'Sent')], max_length=3)),
                        ('address', models.CharField(blank=True, max_length=254)),
                        ('created_at', models.DateTimeField()),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='message_links', to='cases.case')),
                    ],
                    options={
                        'db_table': 'mail_messagelink',
                        'ordering': ['id'],
                        'indexes': [models.Index(fields=['message_id'], name='link_message_id'), models.Index(fields=['case', 'address'], name='link_case_address')],
                    },
                ),
                migrations.CreateModel(
                    name='AutoAnswerCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address', models.CharField(max_length=254)),
                        ('day', models.DateField()),
                        ('count', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'mail_autoanswercount',
                        'constraints': [models.UniqueConstraint(fields=('address', 'day'), name='auto_answer_once_per_day')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
