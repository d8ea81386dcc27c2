"""The outbox's rows. The tables keep the names they had when they belonged to the e-mail
app (`mail_...`): the models moved, the data did not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutboundMessage(models.Model):
    """One e-mail to one recipient; delivered by `delivery.deliver_due`, marked sent once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        HELD = "held", "Held (address suppressed)"  # never delivered; `last_error` says why

    created_at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    headers = models.JSONField(default=dict, blank=True)
    # Files sent with it, stored apart from the row: [{"name", "content_type", "path"}]
    # (a path in the default storage), read when the message goes out.
    attachments = models.JSONField(default=list, blank=True)
    # Set by callers whose work may run twice (sweeps): the second enqueue is a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "mail_outboundmessage"
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="outbox_pending_due"
            ),
            models.Index(fields=["case", "id"], name="outbox_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"


class MessageLink(models.Model):
    """A Message-ID (sent or received) known to belong to a case: replies thread by it.
    `address` is who sent or received it, so the case's thread participants are known."""

    class Direction(models.TextChoices):
        IN = "in", "Received"
        OUT = "out", "Sent"

    message_id = models.CharField(max_length=255)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="message_links")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    address = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "mail_messagelink"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["message_id"], name="link_message_id"),
            models.Index(fields=["case", "address"], name="link_case_address"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} -> {self.case_id}"


class AutoAnswerCount(models.Model):
    """Automatic answers sent to one address on one day: the cap that stops mail loops."""

    address = models.CharField(max_length=254)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "mail_autoanswercount"
        constraints = [models.UniqueConstraint(fields=["address", "day"], name="auto_answer_once_per_day")]

    def __str__(self) -> str:
        return f"{self.address} {self.day}: {self.count}"


class Suppression(models.Model):
    """An address that gets no more non-essential mail: its recipient complained (a
    feedback report) or its mailbox is gone (a permanent bounce). Made by intake from the
    received report (`inbound_id`, the message that says so); lifted by staff, who and when
    kept on the row. At most one active row per address."""

    class Reason(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        BOUNCE = "bounce_permanent", "Permanent bounce"

    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    evidence = models.TextField(blank=True)  # the recogniser and what it read
    inbound_id = models.PositiveIntegerField(null=True, blank=True)  # the received report
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["address"], condition=Q(lifted_at__isnull=True), name="suppression_active_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.reason}"
