"""The main menu is rendered once per distinct set of what it reads (`nav_tags`): each
account still gets the links of its own kind and abilities, whoever asked before."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import AdministratorFactory, StaffFactory, customer

pytestmark = pytest.mark.django_db


def menu(user=None, path="/") -> list[str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    page = client.get(path, follow=True).content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert nav is not None
    return re.findall(r">([^<]+)</a>", nav.group(1))


def test_each_account_gets_the_links_of_its_own_kind_and_abilities_in_any_order():
    admin, technician = AdministratorFactory(), StaffFactory()
    mpoc, plain = customer(mpoc=True), customer(mpoc=False)
    seen = {}
    for _ in range(2):
        for name, user in [("admin", admin), ("technician", technician), ("mpoc", mpoc), ("plain", plain)]:
            got = menu(user, "/console/" if name in ("admin", "technician") else "/portal/")
            assert seen.setdefault(name, got) == got
        assert seen.setdefault("anonymous", menu()) == menu()
    assert "Admin" in seen["admin"] and "Reports" in seen["admin"]
    assert "Queues" in seen["technician"] and "Admin" not in seen["technician"]
    assert "BillCenter" in seen["mpoc"] and "Cases" in seen["mpoc"]
    assert "BillCenter" not in seen["plain"] and "Cases" in seen["plain"]
    assert "Log in" in seen["anonymous"] and "Queues" not in seen["anonymous"]


def test_a_staff_request_reads_its_user_and_the_abilities_of_its_role_in_one_statement():
    """The session's user comes with their role's abilities (a role an administrator
    changed included), as the API's token does: no statement of its own for the role."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casedesk.accounts.models import StaffRole
    from casedesk.rules.permissions import Ability

    technician = StaffFactory()
    role, _ = StaffRole.objects.get_or_create(key=technician.staff_role)
    role.abilities = sorted(a.value for a in Ability if a is not Ability.WORK_ANY_TEAM)
    role.save()
    client = Client()
    client.force_login(technician)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/console/").status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    assert not any(s.lstrip().startswith('SELECT "accounts_staffrole"') for s in statements)
    assert "Admin" in menu(technician, "/console/")  # the role's stored abilities were used
