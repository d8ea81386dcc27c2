"""MACD requests (plan §7): what a request asks for, who is asked to approve it, the time
staff log on it. The request is a case of kind MACD (`cases.Case`); this app keeps what only
a request has. Writes go through `macd.actions`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules.approvals import Decision, Rule
from casedesk.rules.macd import Speed, Team

SPEED_CHOICES = [(s.value, s.label) for s in Speed]
RULE_CHOICES = [(r.value, r.label) for r in Rule]
DECISION_CHOICES = [(d.value, d.value.capitalize()) for d in Decision]


class OrganisationSettings(models.Model):
    """An organisation's MACD terms: whether one MPOC's approval suffices or all must approve."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="macd_settings"
    )
    approval_rule = models.CharField(
        max_length=4,
        choices=RULE_CHOICES,
        default=Rule.ANY,
        help_text="Who must approve a MACD request before support works it.",
    )

    class Meta:
        verbose_name = "organisation's MACD settings"
        verbose_name_plural = "organisations' MACD settings"

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_approval_rule_display()}"


class PreApprovedChange(models.Model):
    """A standard change an organisation pre-approved: a request asking only for such
    changes is worked without asking its MPOCs."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="pre_approved_changes"
    )
    change_type = models.CharField(max_length=60, help_text="The key of the change type.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "change_type"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "change_type"], name="pre_approved_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.change_type}"


class Request(models.Model):
    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="macd")
    speed = models.CharField(max_length=10, choices=SPEED_CHOICES)
    urgent = models.BooleanField(default=False)
    service_level = models.CharField(max_length=20)  # rules.policies.ServiceLevel
    worked_by = models.CharField(max_length=6, choices=[(t.value, t.value) for t in Team])
    intake_note = models.CharField(max_length=300)
    # The requested changes: [{"type": key, "details": text}, ...] (the change types of the
    # inventory), as the customer submitted them.
    changes = models.JSONField(default=list)
    approval_rule = models.CharField(max_length=4, choices=RULE_CHOICES)  # as when submitted
    estimated_minutes = models.PositiveIntegerField(default=0)
    extension_minutes = models.PositiveIntegerField(default=0)  # carriers' and vendors' extra time
    submitted_at = models.DateTimeField()
    # When staff applied the requested changes to the inventory (one click), and by whom.
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"MACD request {self.case_id}"

    @property
    def change_types(self) -> list[str]:
        return [c.get("type", "") for c in self.changes]


class Approval(models.Model):
    """One approver's decision on a request, and their e-mailed link (only its SHA-256 kept)."""

    class Via(models.TextChoices):
        RAISED = "raised", "Raised it"
        PORTAL = "portal", "Portal"
        EMAIL = "email", "E-mailed link"
        API = "api", "API"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="approvals")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="macd_approvals")
    decision = models.CharField(max_length=10, choices=DECISION_CHOICES, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    via = models.CharField(max_length=8, choices=Via.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "contact"], name="approval_once_per_approver"),
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="approval_token"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} on {self.request_id}: {self.decision}"


class TimeEntry(models.Model):
    """Billable time staff logged on a request: a duration, or a timer running since
    `started_at` (minutes None until stopped). Locked once invoiced."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="time_entries")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # a timer's start
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Set by invoicing: the entry is billed and can no longer change.
    invoiced_at = models.DateTimeField(null=True, blank=True)
    invoice_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="time_entry_request"),
            models.Index(
                fields=["invoiced_at"], condition=Q(invoiced_at__isnull=True), name="time_not_invoiced"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "staff"], condition=Q(minutes__isnull=True), name="one_timer_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.minutes or 'running'} min on {self.request_id}"

    @property
    def running(self) -> bool:
        return self.minutes is None

    @property
    def invoiced(self) -> bool:
        return self.invoiced_at is not None
