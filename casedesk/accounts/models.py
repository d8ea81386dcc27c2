"""Customer organisations and their contacts, staff and teams, and the platform catalogue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper

from casedesk.accounts.phones import e164
from casedesk.core.mailboxes import not_ours
from casedesk.core.when import validate_zone
from casedesk.rules import partners
from casedesk.rules import permissions as rules

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in rules.StaffRole]


class CasedeskUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Log in by e-mail address, whatever its case.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """Anyone who logs in: staff (is_staff) or a customer contact with a portal account."""

    StaffRole = rules.StaffRole  # the role's powers: the StaffRole row of that key

    email = models.EmailField("email address", unique=True)
    staff_role = models.CharField(
        max_length=20,
        choices=STAFF_ROLE_CHOICES,
        blank=True,
        help_text="What a staff member may do follows the role (see Staff roles); "
        "a superuser may do everything.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_zone],
        help_text="Times shown to this person (e.g. America/Chicago); empty: the organisation's "
        "zone for a customer, the plan's zone for staff.",
    )

    objects = CasedeskUserManager()  # type: ignore[misc]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        # The staff a case may be given to, read on every case page, among many customers.
        indexes = [
            models.Index(
                fields=["first_name"], condition=Q(is_staff=True, is_active=True), name="user_active_staff"
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Platform(models.Model):
    """A product or platform the provider supports (hosted voice, Teams, Webex, circuits...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    team = models.ForeignKey(
        "Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="platforms",
        help_text="The team that works this platform's cases.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """Support staff grouped per platform (Cloud, Cisco, Microsoft, network operations)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    members = models.ManyToManyField(User, blank=True, related_name="teams")
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    account_number = models.CharField(max_length=40, unique=True)
    platforms = models.ManyToManyField(
        Platform, blank=True, related_name="organisations", help_text="Services it has."
    )
    legacy_network = models.BooleanField(
        "legacy network customer",
        default=False,
        help_text="On the provider's legacy network: network operations is on its support escalation path.",
    )
    active = models.BooleanField(default=True)
    copy_every_mpoc = models.BooleanField(
        "copy every MPOC",
        default=False,
        help_text="Every case notice also goes to each main point of contact of the organisation, "
        "not only to the case's contact and participants.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_zone],
        help_text="Times in its people's pages and its case e-mails (e.g. America/Chicago); "
        "empty: the plan's zone.",
    )

    class UnverifiedMail(models.TextChoices):  # rules.senders.Unverified
        MARK = "mark", "Accept, marked 'sender not verified'"
        QUARANTINE = "quarantine", "Quarantine for review"

    unverified_mail = models.CharField(
        "e-mail whose sender cannot be verified",
        max_length=12,
        choices=UnverifiedMail.choices,
        default=UnverifiedMail.MARK,
        help_text="What happens to its contacts' e-mail when neither DMARC nor a signature proves the "
        "sender; a DMARC failure is always quarantined.",
    )
    kind = models.CharField(
        max_length=12,
        choices=[(k.value, k.label) for k in partners.Kind],
        default=partners.Kind.CUSTOMER.value,
        help_text="A partner's or rebiller's people act for the customers it manages; a "
        "rebiller's customers see its name and brand.",
    )
    partner = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        limit_choices_to={"kind__in": [k.value for k in partners.Kind if k.manages]},
        help_text="The partner or rebiller that manages this customer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=True) | ~Q(partner=models.F("pk")),
                name="organisation_not_own_partner",
            )
        ]
        # A queue filtered by an organisation's name or account number, typed in any case,
        # finds it by these (PostgreSQL's iexact is UPPER(column) = UPPER(value)).
        indexes = [
            models.Index(Upper("name"), name="organisation_name_upper"),
            models.Index(Upper("account_number"), name="organisation_number_upper"),
        ]

    def __str__(self) -> str:
        return self.name

    def mpocs(self) -> models.QuerySet[Contact]:
        return self.contacts.filter(Q(is_primary_mpoc=True) | Q(is_secondary_mpoc=True)).order_by(
            "-is_primary_mpoc", "name"
        )


class Contact(models.Model):
    """A person at a customer organisation, with the roles the plan gives them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        help_text="Portal account; every technical MPOC has one.",
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(
        blank=True,
        validators=[not_ours],
        help_text="Required, except for the provider's own organisation (master cases).",
    )
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    # The numbers in E.164 beside the form they were typed in, so that a caller is found
    # however the number is spoken or written (set on save from phone and mobile).
    phone_e164 = models.CharField("phone (E.164)", max_length=20, blank=True, editable=False)
    mobile_e164 = models.CharField("mobile (E.164)", max_length=20, blank=True, editable=False)
    is_primary_mpoc = models.BooleanField("primary MPOC", default=False)
    is_secondary_mpoc = models.BooleanField("secondary MPOC", default=False)
    is_technical = models.BooleanField("technical contact", default=False)
    is_master_case_contact = models.BooleanField("master-case contact", default=False)
    is_maintenance_contact = models.BooleanField("maintenance-notification contact", default=False)
    is_financial_contact = models.BooleanField("financial contact", default=False)
    active = models.BooleanField(default=True)
    # A delegate: this contact stands, in a customer organisation, for a person of the
    # partner that manages it (`accounts.partners`); what it may do is its scope alone.
    delegate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegations",
        editable=False,
        help_text="The partner's contact this delegate acts for.",
    )
    partner_scope = models.CharField(
        max_length=12,
        blank=True,
        choices=[(s.value, s.label) for s in partners.Scope],
        editable=False,
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "delegate_of"],
                condition=Q(delegate_of__isnull=False),
                name="one_delegate_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(delegate_of__isnull=True, partner_scope="")
                | Q(
                    delegate_of__isnull=False,
                    partner_scope__in=[s.value for s in partners.Scope],
                    is_primary_mpoc=False,
                    is_secondary_mpoc=False,
                    is_financial_contact=False,
                ),
                name="delegate_has_scope_and_no_designation",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_primary_mpoc=True),
                name="one_primary_mpoc_per_organisation",
            ),
            models.UniqueConstraint(
                "organisation", Lower("email"), name="contact_email_unique_per_organisation"
            ),
        ]
        indexes = [
            models.Index(Lower("email"), name="contact_email_ci"),
            models.Index(fields=["phone_e164"], name="contact_phone_e164"),
            models.Index(fields=["mobile_e164"], name="contact_mobile_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_e164, self.mobile_e164 = e164(self.phone), e164(self.mobile)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_e164", "mobile_e164"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The provider's own contact has no address: notices about its master cases are
        # mail to no one, and least of all to the desk's own intake.
        if not self.email and not (
            self.organisation_id
            and Organisation.objects.filter(
                pk=self.organisation_id, account_number=settings.CASEDESK_PROVIDER_ACCOUNT
            ).exists()
        ):
            raise ValidationError({"email": "Enter the contact's e-mail address."})

    @property
    def is_delegate(self) -> bool:
        return self.delegate_of_id is not None

    @property
    def is_mpoc(self) -> bool:
        return self.is_primary_mpoc or self.is_secondary_mpoc

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.is_primary_mpoc, "Primary MPOC"),
            (self.is_secondary_mpoc, "Secondary MPOC"),
            (self.is_technical, "Technical"),
            (self.is_master_case_contact, "Master cases"),
            (self.is_maintenance_contact, "Maintenance notices"),
            (self.is_financial_contact, "Financial"),
        ]
        return [label for on, label in flags if on]


class EscalationContact(models.Model):
    """The customer's own ordered list of people support may escalate to."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="escalation_contacts"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True, validators=[not_ours])

    class Meta:
        ordering = ["organisation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "position"], name="escalation_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Shift(models.Model):
    """A period a staff member is on duty; automatic assignment picks among those on shift."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="shift_current")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"


class TeamRotation(models.Model):
    """Where a team's round robin stands: the member most recently given a case."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="rotation")
    last_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.team}: {self.last_user}"


class StaffRole(models.Model):
    """A staff role and what it may do: seeded from the rules' defaults, edited in the admin."""

    key = models.CharField(max_length=20, unique=True, choices=STAFF_ROLE_CHOICES)
    name = models.CharField(max_length=80)
    abilities = models.JSONField(
        default=list, blank=True, help_text="The keys of the abilities the role holds."
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    @property
    def ability_set(self) -> frozenset[rules.Ability]:
        return rules.staff_abilities(self.abilities if isinstance(self.abilities, list) else [])


class ResetRequest(models.Model):
    """A password reset someone asked for, recorded alike for every typed address: the
    request does the same work whoever the address belongs to, and a sweep sends the link."""

    address = models.CharField(max_length=254)
    requested_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"reset for {self.address}"
