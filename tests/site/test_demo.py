"""The demo data `make run` loads: idempotent, every status, the plan's maintenance."""

import pytest
from django.core.management import call_command

from casedesk.accounts.models import Contact, Organisation
from casedesk.cases.models import Case
from casedesk.rules.lifecycle import Status
from casedesk.status.models import MaintenanceWindow

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = (Organisation.objects.count(), Contact.objects.count(), Case.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), Contact.objects.count(), Case.objects.count()) == first
    assert first[0] == 3
    for org in Organisation.objects.all():
        statuses = set(org.cases.values_list("status", flat=True))
        assert statuses == {s.value for s in Status}, org
        assert org.contacts.filter(is_primary_mpoc=True).count() == 1
        assert org.contacts.filter(is_secondary_mpoc=True).exists()
        assert org.contacts.filter(is_primary_mpoc=False, is_secondary_mpoc=False).exists()
    assert set(MaintenanceWindow.objects.values_list("kind", flat=True)) == {
        "monthly",
        "certificate",
        "platform_update",
    }
    out = capsys.readouterr().out
    assert "dana@acme.example.com" in out and "demo-pass-2026" in out
    emails = Contact.objects.values_list("email", flat=True)
    assert all(e.endswith("example.com") for e in emails)
