"""The outbox: every notification is a row written in the transaction that caused it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutboundMessage(models.Model):
    """One e-mail to one recipient; delivered by `outbox.deliver_due`, marked sent once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

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
    # Set by callers whose work may run twice (sweeps): the second enqueue is a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="outbox_pending_due"
            ),
            models.Index(fields=["case", "id"], name="outbox_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"


class InboundMessage(models.Model):
    """One received message, stored raw before anything else is done with it.

    Intake then processes it in its own transaction; until that commits the row stays
    pending and a sweep retries it. The fingerprint (Message-ID and content without trace
    fields) makes a second delivery of the same message a duplicate.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        DONE = "done", "Processed"
        QUARANTINED = "quarantined", "Quarantined"
        ACCEPTED = "accepted", "Accepted from quarantine"
        REJECTED = "rejected", "Rejected from quarantine"

    received_at = models.DateTimeField()
    source = models.CharField(max_length=10)  # cli, smtp, lmtp, imap
    envelope_from = models.CharField(max_length=254, blank=True)
    envelope_to = models.TextField(blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    message_id = models.CharField(max_length=255, blank=True)
    fingerprint = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    outcome = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    event = models.ForeignKey(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="inbound_pending_due"
            ),
            models.Index(fields=["-id"], condition=Q(state="quarantined"), name="inbound_quarantine"),
            models.Index(fields=["message_id"], name="inbound_message_id"),
            models.Index(fields=["case", "id"], name="inbound_case"),
        ]

    def __str__(self) -> str:
        return f"{self.sender or 'unknown sender'}: {self.subject or '(no subject)'} ({self.state})"


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
        ordering = ["id"]
        indexes = [
            models.Index(fields=["message_id"], name="link_message_id"),
            models.Index(fields=["case", "address"], name="link_case_address"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} -> {self.case_id}"


class AddressFailure(models.Model):
    """A bounce: delivery to `address` failed (or was delayed), for the message it names."""

    address = models.CharField(max_length=254)
    permanent = models.BooleanField(default=True)
    action = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=32, blank=True)
    diagnostic = models.TextField(blank=True)
    outbound = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="failures"
    )
    bounce = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="failures")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["address", "-at"], name="failure_address")]

    def __str__(self) -> str:
        return f"{self.address} {self.action} {self.status}"


class AutoAnswerCount(models.Model):
    """Automatic answers sent to one address on one day: the cap that stops mail loops."""

    address = models.CharField(max_length=254)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "day"], name="auto_answer_once_per_day")]

    def __str__(self) -> str:
        return f"{self.address} {self.day}: {self.count}"
