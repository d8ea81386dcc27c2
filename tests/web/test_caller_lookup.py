"""The console's caller look-up: numbers compared in E.164 however they are written, the
last four digits, and an organisation's name listing its MPOCs."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.test import Client

from casedesk.accounts.models import Contact
from casedesk.accounts.phones import e164
from casedesk.accounts.selectors import find_contacts
from tests.factories import ContactFactory, OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller():
    org = OrganisationFactory(name="Summit Ridge Dental")
    ContactFactory(organisation=org, name="Noah Vance", phone="303-555-0177", is_secondary_mpoc=False)
    return ContactFactory(organisation=org, name="Priya Okafor", phone="303 555 0102", is_secondary_mpoc=True)


def names(term: str) -> list[str]:
    return [c.name for c in find_contacts(term)]


def test_the_number_is_stored_in_e164_beside_its_typed_form(caller):
    assert caller.phone == "303 555 0102"
    assert caller.phone_e164 == "+13035550102"
    assert e164("not a number") == "" and e164("12") == ""
    assert e164("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("typed", ["+1 303 555 0102", "13035550102", "(303) 555-0102", "3035550102", "0102"])
def test_every_way_of_writing_the_number_finds_the_caller(caller, typed):
    assert names(typed) == ["Priya Okafor"]


def test_an_organisations_name_lists_its_mpocs(caller):
    assert names("summit ridge") == ["Priya Okafor"]
    assert names("Noah") == ["Noah Vance"]  # by their own name, anyone


def test_the_console_page_finds_the_caller_by_number(caller):
    client = Client()
    client.force_login(RepresentativeFactory())
    page = client.get("/console/contacts/", {"q": "(303) 555-0102"}).content.decode()
    assert "Priya Okafor" in page and "Noah Vance" not in page


def test_the_data_migration_fills_existing_contacts(caller):
    Contact.objects.filter(pk=caller.pk).update(phone_e164="", mobile_e164="")
    migration = importlib.import_module("casedesk.accounts.migrations.0009_contact_phone_e164")
    migration.fill(global_apps, None)
    assert Contact.objects.get(pk=caller.pk).phone_e164 == "+13035550102"
