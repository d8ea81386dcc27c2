"""The data a new installation starts with: the invoice and credit-note series, the default
taxes and surcharges per line type, and a provider to name on invoices (edit it)."""

from django.db import migrations

from casedesk.rules.invoicing import DEFAULT_TAXES


def seed(apps, schema_editor):
    NumberSeries = apps.get_model("billing", "NumberSeries")
    TaxRule = apps.get_model("billing", "TaxRule")
    Issuer = apps.get_model("billing", "Issuer")
    NumberSeries.objects.get_or_create(key="invoice", defaults={"prefix": "INV"})
    NumberSeries.objects.get_or_create(key="credit_note", defaults={"prefix": "CN"})
    if not TaxRule.objects.exists():
        TaxRule.objects.bulk_create(TaxRule(name=n, line_kind=k, rate=r) for n, k, r in DEFAULT_TAXES)
    if not Issuer.objects.exists():
        Issuer.objects.create(
            name="Example Communications Inc.",
            address="1700 Lincoln Street\nDenver, CO 80203\nUnited States",
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
