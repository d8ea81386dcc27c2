"""Billing fixtures: an organisation with a financial contact, a primary MPOC, a plain
contact, services in its inventory, and a billing staff member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from casedesk.accounts.models import Organisation, User
from casedesk.inventory.models import Item
from tests.factories import BillingFactory, ContactFactory, OrganisationFactory, UserFactory


@dataclass
class World:
    org: Organisation
    fin: User  # financial contact (not an MPOC)
    mpoc: User  # primary MPOC
    plain: User  # neither
    billing: User


def person(org: Organisation, name: str, **flags: Any) -> User:
    user = UserFactory(email=f"{name}@{org.account_number.lower()}.example.com")
    flags.setdefault("is_secondary_mpoc", False)
    ContactFactory(organisation=org, user=user, email=user.email, name=name.capitalize(), **flags)
    return User.objects.get(pk=user.pk)


def items(org: Organisation, count: int = 3, price: str = "19.99") -> list[Item]:
    now = timezone.now()
    sites = ["Denver HQ", "Boulder", ""]
    return Item.objects.bulk_create(
        Item(
            organisation=org,
            kind="licence",
            key=f"teams/Teams Phone/user{i}@example.com",
            platform="teams",
            product="Teams Phone",
            quantity=1 + i % 2,
            monthly_price=Decimal(price),
            site=sites[i % 3],
            cost_centre=f"CC-{100 + i % 2}",
            created_at=now - timedelta(days=90),
            updated_at=now - timedelta(days=90),
        )
        for i in range(count)
    )


def world(lines: int = 3) -> World:
    org = OrganisationFactory()
    w = World(
        org,
        person(org, "fiona", is_financial_contact=True),
        person(org, "dana", is_primary_mpoc=True),
        person(org, "pat"),
        BillingFactory(),
    )
    items(org, lines)
    return w
