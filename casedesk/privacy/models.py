"""CPNI and privacy records: support passcodes, caller verifications, the disclosure log,
the address of record, privacy requests and the retention rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules import cpni, privacy

METHOD_CHOICES = [(m.value, m.label) for m in cpni.Method]
KIND_CHOICES = [(k.value, k.label) for k in privacy.Kind]
STATE_CHOICES = [(s.value, s.value.title()) for s in privacy.State]


class Passcode(models.Model):
    """An authorised contact's support passcode, hashed with Django's password hashers."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    hashed = models.CharField(max_length=256)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"passcode of contact {self.contact_id}"


class AddressOfRecord(models.Model):
    """Where the organisation's account notices and CPNI go (none set: the primary MPOC's
    e-mail)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="address_of_record"
    )
    email = models.EmailField()
    postal = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"address of record of {self.organisation_id}"


class Verification(models.Model):
    """A representative authenticated a caller for one organisation: CPNI shows to that
    representative until `expires_at`."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=12, choices=METHOD_CHOICES)
    at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["by", "organisation", "expires_at"], name="verification_current")]

    def __str__(self) -> str:
        return f"{self.contact_id} verified by {self.by_id} ({self.method})"


class Disclosure(models.Model):
    """One view or export of CPNI by staff: who, what, why, when. Kept on erasure."""

    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=254, help_text="Who, as they were named then.")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, help_text="view or export")
    fields = models.JSONField(default=list, help_text="The CPNI fields disclosed (rules.cpni.Field).")
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "at"], name="disclosure_org_at"),
            models.Index(fields=["at"], name="disclosure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.by_name} at {self.at:%Y-%m-%d %H:%M}"


class PrivacyRequest(models.Model):
    """A person asks to know, correct or delete their personal data."""

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    details = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=STATE_CHOICES, default=privacy.State.UNVERIFIED.value)
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True, help_text="Verified: the clock starts.")
    due_at = models.DateTimeField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisations = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="open"), name="privacy_open_due"),
        ]

    def __str__(self) -> str:
        return f"PR-{self.pk:05d} {self.kind}"

    @property
    def number(self) -> str:
        return f"PR-{self.pk:05d}"


class RetentionRule(models.Model):
    """Closed cases' material of one kind is purged `days` after the case closed."""

    kind = models.CharField(max_length=40, unique=True, help_text="attachment, chat_transcript, ...")
    days = models.PositiveIntegerField()
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.kind}: {self.days} days"
