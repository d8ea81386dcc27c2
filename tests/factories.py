"""Test data builders: fictional people only (example.com, 555-01xx)."""

from __future__ import annotations

import factory
from django.utils import timezone

from casedesk.accounts.models import Contact, Organisation, Platform, Team, User
from casedesk.cases.models import Case, Channel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_after(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    """A technician; the other roles below, for what only they may do."""

    is_staff = True
    staff_role = User.StaffRole.TECHNICIAN


class RepresentativeFactory(StaffFactory):
    staff_role = User.StaffRole.REPRESENTATIVE


class ManagerFactory(StaffFactory):
    staff_role = User.StaffRole.MANAGER


class BillingFactory(StaffFactory):
    staff_role = User.StaffRole.BILLING


class AdministratorFactory(StaffFactory):
    staff_role = User.StaffRole.ADMINISTRATOR


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    code = factory.Sequence(lambda n: f"platform-{n}")
    name = factory.Sequence(lambda n: f"Platform {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    account_number = factory.Sequence(lambda n: f"ACC-{n:05d}")

    @factory.post_generation
    def platforms(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.platforms.set(extracted)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = factory.Sequence(lambda n: f"303-555-01{n % 100:02d}")
    is_secondary_mpoc = True
    is_technical = True


def customer(organisation: Organisation | None = None, *, mpoc: bool = True, **kw) -> User:
    """A customer with a portal account; an MPOC unless told otherwise."""
    user = UserFactory()
    ContactFactory(
        organisation=organisation or OrganisationFactory(),
        user=user,
        email=user.email,
        is_secondary_mpoc=mpoc,
        **kw,
    )
    return User.objects.get(pk=user.pk)


def make_case(by: User | None = None, **kw) -> Case:
    """A case opened through the action, as a customer (P4, needs triage) by default."""
    from casedesk.cases import actions

    by = by or customer()
    kw.setdefault("title", "Phones not registering")
    kw.setdefault("channel", Channel.PORTAL)
    return actions.open_case(by=by, **kw)


def aware(*args: int) -> timezone.datetime:
    return timezone.make_aware(timezone.datetime(*args))


def partner_user(
    customers: dict[Organisation, str], *, kind: str = "partner", partner: Organisation | None = None
) -> User:
    """A portal user of a partner (made when not given) that acts for each customer in the
    scope given (`full`, `cases` or `billing`); each customer becomes managed by it."""
    from casedesk.accounts import partners

    if partner is None:
        partner = OrganisationFactory(kind=kind)
    admin = AdministratorFactory()
    user = customer(partner, mpoc=False)
    person = Contact.objects.get(user=user)
    for org, scope in customers.items():
        partners.set_partner(admin, org, partner)
        partners.grant(admin, person, org, scope)
    return User.objects.get(pk=user.pk)
