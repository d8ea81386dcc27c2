"""Master-case incidents, maintenance windows, subscriptions and the published status page.

Writes go through `status.masters`, `maintenance`, `subscriptions`, `webhooks` and
`versions`; reads through `status.selectors`.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class IncidentState(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class Impact(models.TextChoices):
    # Ordered from best to worst; `IMPACT_RANK` compares them.
    OPERATIONAL = "operational", "Operational"
    MAINTENANCE = "maintenance", "Under maintenance"
    DEGRADED = "degraded", "Degraded performance"
    PARTIAL = "partial", "Partial outage"
    MAJOR = "major", "Major outage"


IMPACT_RANK = {value: rank for rank, value in enumerate(Impact.values)}


def worst(impacts: list[str]) -> str:
    return max(impacts, key=IMPACT_RANK.__getitem__, default=Impact.OPERATIONAL.value)


class Incident(models.Model):
    """The public face of a master case (P1G)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="incident")
    title = models.CharField(max_length=200)
    state = models.CharField(
        max_length=16, choices=IncidentState.choices, default=IncidentState.INVESTIGATING
    )
    organisations = models.ManyToManyField("accounts.Organisation", blank=True, related_name="incidents")
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The hourly update clock: when the next public update is due, and which due time the
    # owner was already reminded of or escalated for (so a sweep acts once per deadline).
    next_update_due = models.DateTimeField(null=True, blank=True)
    reminded_for = models.DateTimeField(null=True, blank=True)
    escalated_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_update_due"], condition=~Q(state="resolved"), name="incident_update_due"
            ),
            models.Index(fields=["state", "-started_at"], name="incident_state_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state != IncidentState.RESOLVED


class PlatformImpact(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="impacts")
    platform = models.ForeignKey("accounts.Platform", on_delete=models.CASCADE, related_name="impacts")
    impact = models.CharField(max_length=12, choices=Impact.choices, default=Impact.MAJOR)
    worst = models.CharField(max_length=12, choices=Impact.choices, default=Impact.MAJOR)

    class Meta:
        ordering = ["platform__name"]
        constraints = [models.UniqueConstraint(fields=["incident", "platform"], name="impact_unique")]

    def __str__(self) -> str:
        return f"{self.platform}: {self.impact}"


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=IncidentState.choices)
    body = models.TextField()
    impacts = models.JSONField(default=dict, blank=True)  # {platform code: impact}
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["incident", "-at"], name="update_incident_recent")]

    def __str__(self) -> str:
        return f"{self.incident} at {self.at:%Y-%m-%d %H:%M}"


class MasterChild(models.Model):
    """A customer's case linked to the master case of the issue it is part of."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="master_link")
    master = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="child_links")
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["linked_at", "id"]
        verbose_name = "master-case child"
        verbose_name_plural = "master-case children"

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.master_id}"


class MaintenanceKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly scheduled maintenance"
    CERTIFICATE = "certificate", "Certificate update"
    PLATFORM_UPDATE = "platform_update", "Portal/platform update"
    ONE_OFF = "one_off", "One-off maintenance"
    UNSCHEDULED = "unscheduled", "Unscheduled maintenance"


# A window's impact read as what customers should expect while it is in progress. Only
# "operational" leaves the platform (and the page's headline) green.
EXPECTED_IMPACT: dict[str, str] = {
    Impact.OPERATIONAL: "No customer impact",
    Impact.MAINTENANCE: "Brief interruptions possible",
    Impact.DEGRADED: "Degraded performance",
    Impact.PARTIAL: "Partial outage",
    Impact.MAJOR: "Major outage",
}


class MaintenanceKindPolicy(models.Model):
    """What a kind of maintenance means for its windows: the impact a new window expects
    unless staff choose another, and who hears when. Seeded from the plan
    (`rules.schedule.PLAN`), changed by staff in the admin without a deploy."""

    kind = models.CharField(max_length=20, choices=MaintenanceKind.choices, unique=True)
    default_impact = models.CharField(max_length=12, choices=Impact.choices, default=Impact.MAINTENANCE)
    reminder_lead = models.DurationField(
        null=True,
        blank=True,
        help_text="Advance notice this long before each start (e.g. 7 00:00:00); empty: none.",
    )
    announce_on_entry = models.BooleanField(
        default=False, help_text="A notice as soon as a window is entered, even after the fact."
    )
    notify_start = models.BooleanField(
        default=False,
        help_text="For new windows: a notice when each occurrence begins (staff may change it).",
    )
    notify_completion = models.BooleanField(
        default=False,
        help_text="For new windows: a notice when each occurrence completes (staff may change it).",
    )
    quiet_hours = models.BooleanField(
        "best effort outside 05:00-23:00",
        default=False,
        help_text="A window inside 05:00-23:00 local time needs a recorded reason.",
    )

    class Meta:
        ordering = ["kind"]
        verbose_name_plural = "maintenance kind policies"

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def sends_notices(self) -> bool:
        return self.reminder_lead is not None or self.announce_on_entry


def _uid() -> str:
    return uuid.uuid4().hex


class MaintenanceWindow(models.Model):
    """A maintenance window as data: a wall-clock window, once or by an RFC 5545 rule."""

    uid = models.CharField(max_length=64, unique=True, default=_uid, editable=False)
    kind = models.CharField(max_length=20, choices=MaintenanceKind.choices)
    title = models.CharField(max_length=200)
    platforms = models.ManyToManyField("accounts.Platform", related_name="maintenance_windows")
    description = models.TextField()
    justification = models.TextField()
    expected_impact = models.TextField(blank=True)
    impact = models.CharField(max_length=12, choices=Impact.choices, default=Impact.MAINTENANCE)
    rrule = models.CharField(max_length=200, blank=True)
    first_day = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    until = models.DateField(null=True, blank=True)
    zone = models.CharField(max_length=60, default="America/Denver")
    cancelled = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(default=0)
    follow_up = models.TextField(blank=True)
    # Chosen per window; the kind's policy gives the default.
    notify_start = models.BooleanField(default=False)
    notify_completion = models.BooleanField(default=False)
    business_hours_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["first_day", "start_time", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def no_impact(self) -> bool:
        return self.impact == Impact.OPERATIONAL

    @property
    def expected_label(self) -> str:
        return EXPECTED_IMPACT.get(self.impact, self.impact)

    @property
    def impact_summary(self) -> str:
        """The expected impact as notices and pages state it, with the staff's details."""
        details = self.expected_impact.strip()
        return f"{self.expected_label}. {details}" if details else self.expected_label


class OccurrenceState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class MaintenanceOccurrence(models.Model):
    """One occurrence of a window, kept for a horizon ahead: it carries its own state, and
    moves (rescheduled) or cancellations of single occurrences (the rule's exceptions)."""

    window = models.ForeignKey(MaintenanceWindow, on_delete=models.CASCADE, related_name="occurrences")
    original_start = models.DateTimeField()  # RECURRENCE-ID: names the occurrence for good
    start = models.DateTimeField()
    end = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=OccurrenceState.choices, default=OccurrenceState.SCHEDULED
    )
    moved = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(default=0)
    reminded = models.PositiveIntegerField(null=True, blank=True)  # the sequence reminded of
    follow_up = models.TextField(blank=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [models.UniqueConstraint(fields=["window", "original_start"], name="occurrence_unique")]
        indexes = [
            models.Index(fields=["state", "start"], name="occurrence_state_start"),
            models.Index(fields=["state", "end"], name="occurrence_state_end"),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.start:%Y-%m-%d %H:%M}"


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """Someone who hears about one incident or about everything on one platform."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(max_length=64, blank=True)
    platform = models.ForeignKey(
        "accounts.Platform", null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(platform__isnull=False) ^ Q(incident__isnull=False), name="subscription_one_topic"
            ),
        ]
        indexes = [
            models.Index(
                fields=["platform", "id"], condition=Q(confirmed_at__isnull=False), name="sub_platform"
            ),
            models.Index(
                fields=["incident", "id"], condition=Q(confirmed_at__isnull=False), name="sub_incident"
            ),
            models.Index(fields=["email"], name="sub_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email or self.url} -> {self.platform or self.incident}"

    @property
    def topic(self) -> str:
        return f"platform {self.platform}" if self.platform_id else f"incident: {self.incident}"


class WebhookDelivery(models.Model):
    """One signed JSON POST to one webhook subscriber; retried with backoff, sent once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(max_length=120)
    payload = models.TextField()
    created_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_key"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="webhook_pending_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_key} -> {self.subscription_id} ({self.state})"


class StatusVersion(models.Model):
    """One row: bumped by every change that alters a public status page, so each page is
    rendered once per change and served from the stored copy in between."""

    version = models.PositiveBigIntegerField(default=1)
    # New with every change: a copy rendered under another database (a rolled-back test, a
    # restored backup) never passes for the current one even when the numbers match.
    stamp = models.CharField(max_length=32, default=_uid)
    day = models.DateField(null=True, blank=True)  # the local day last rendered (history bars)

    def __str__(self) -> str:
        return f"status v{self.version}"


class RenderedPage(models.Model):
    path = models.CharField(max_length=200, unique=True)
    version = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    etag = models.CharField(max_length=80)
    rendered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.path} v{self.version}"
