# OutboundMessage, MessageLink and AutoAnswerCount now belong to the outbox app (outbox
# 0001), on the same tables: here they leave the mail app's state, and the bounce's link to
# the message it reports points at the outbox's model. Nothing changes in the database but
# the content types, renamed so that permissions and admin history stay attached.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ('outboundmessage', 'messagelink', 'autoanswercount')


def _rename_content_types(apps, schema_editor, old, new):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    taken = set(ContentType.objects.using(db).filter(app_label=new, model__in=MOVED).values_list('model', flat=True))
    ContentType.objects.using(db).filter(app_label=old, model__in=set(MOVED) - taken).update(app_label=new)


def to_outbox(apps, schema_editor):
    _rename_content_types(apps, schema_editor, 'mail', 'outbox')


def to_mail(apps, schema_editor):
    _rename_content_types(apps, schema_editor, 'outbox', 'mail')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('mail', '0002_inbound'),
        ('outbox', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='addressfailure',
                    name='outbound',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='failures', to='outbox.outboundmessage'),
                ),
                migrations.DeleteModel(name='OutboundMessage'),
                migrations.DeleteModel(name='MessageLink'),
                migrations.DeleteModel(name='AutoAnswerCount'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_outbox, to_mail, elidable=True),
    ]
