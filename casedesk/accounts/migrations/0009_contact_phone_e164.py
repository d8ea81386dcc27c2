"""Contacts' numbers in E.164 beside the typed form, filled for existing contacts."""

import phonenumbers
from django.conf import settings
from django.db import migrations, models


def _e164(number):
    # Spelled out here rather than imported, so a later change cannot alter this step.
    if not number or not any(ch.isdigit() for ch in number):
        return ""
    try:
        parsed = phonenumbers.parse(number, settings.CASEDESK_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fill(apps, schema_editor):
    Contact = apps.get_model("accounts", "Contact")
    batch = []
    for contact in Contact.objects.only("id", "phone", "mobile").iterator(chunk_size=2000):
        contact.phone_e164, contact.mobile_e164 = _e164(contact.phone), _e164(contact.mobile)
        batch.append(contact)
        if len(batch) >= 2000:
            Contact.objects.bulk_update(batch, ["phone_e164", "mobile_e164"])
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["phone_e164", "mobile_e164"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_organisation_time_zone_user_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="mobile_e164",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="mobile (E.164)"),
        ),
        migrations.AddField(
            model_name="contact",
            name="phone_e164",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="phone (E.164)"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["phone_e164"], name="contact_phone_e164"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["mobile_e164"], name="contact_mobile_e164"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
