"""The outbox: every notification is a row written in the transaction that caused it."""

from __future__ import annotations

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
