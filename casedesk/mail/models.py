"""What e-mail intake keeps: every received message, raw, and the delivery failures that
bounces report (against the outbox message they name)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InboundMessage(models.Model):
    """One received message, stored raw before anything else is done with it.

    Intake then processes it in its own transaction; until that commits the row stays
    pending and a sweep retries it. The fingerprint (Message-ID and content without trace
    fields) makes a second delivery of the same message a duplicate.
    """

    class Automatic(models.TextChoices):
        """What program wrote it, as recognised (`mime.recognise`); blank: a person, or unread."""

        BOUNCE_PERMANENT = "bounce_permanent", "Bounce (permanent)"
        BOUNCE_TRANSIENT = "bounce_transient", "Bounce (transient)"
        COMPLAINT = "complaint", "Complaint"
        AUTO_REPLY = "auto_reply", "Automatic reply"

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
    # The recognised kind of automatic mail, kept apart from `reason` to filter and count by.
    automatic = models.CharField(max_length=20, choices=Automatic.choices, blank=True)
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
    # Whether its sender is who its From: says (`mail.senders`): how that was found (the
    # receiving server's Authentication-Results, or checked here), the verdict, and the
    # results it rests on. Blank: not checked (automatic mail, unknown senders, unread).
    auth_method = models.CharField(max_length=30, blank=True)
    auth_result = models.CharField(max_length=10, blank=True)
    auth_evidence = models.TextField(blank=True)
    # What the console shows of it (text, attachments, headers), kept when it was read.
    reading = models.JSONField(null=True, blank=True)
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
            models.Index(fields=["automatic", "-id"], condition=~Q(automatic=""), name="inbound_automatic"),
        ]

    def __str__(self) -> str:
        return f"{self.sender or 'unknown sender'}: {self.subject or '(no subject)'} ({self.state})"


class AddressFailure(models.Model):
    """A bounce: delivery to `address` failed (or was delayed), for the message it names."""

    address = models.CharField(max_length=254)
    permanent = models.BooleanField(default=True)
    action = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=32, blank=True)
    diagnostic = models.TextField(blank=True)
    outbound = models.ForeignKey(
        "outbox.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="failures"
    )
    bounce = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="failures")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["address", "-at"], name="failure_address")]

    def __str__(self) -> str:
        return f"{self.address} {self.action} {self.status}"
