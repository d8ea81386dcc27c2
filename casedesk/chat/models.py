"""Live chats, their messages, and phone calls. Written only by `casedesk.chat.actions`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules import chat as rules

STATE_CHOICES = [(s.value, s.value.title()) for s in rules.State]
SIDE_CHOICES = [(s.value, s.value.title()) for s in rules.Side]
IDENTITY_CHOICES = [(i.value, i.value.title()) for i in rules.Identity]


class Chat(models.Model):
    """One conversation between a customer (or a visitor) and the desk."""

    created_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=rules.State.WAITING)
    identity = models.CharField(max_length=10, choices=IDENTITY_CHOICES)
    # The secret a visitor's browser keeps to resume the chat (a portal user has a session).
    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transfer_note = models.TextField(blank=True)
    # Left outside chat hours: answered when chat opens, the answer reaching them by e-mail.
    left_message = models.BooleanField(default=False)
    # Since when the chat waits for a technician (reset on a transfer to a team).
    waiting_since = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_note = models.TextField(blank=True)
    # When its messages and files were purged under the retention rule for chat transcripts
    # (the row stays: who, when, the queue's figures and the rating).
    transcript_purged_at = models.DateTimeField(null=True, blank=True)
    # The highest message id each side has seen (read receipts).
    customer_read = models.BigIntegerField(default=0)
    staff_read = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["waiting_since", "id"]
        indexes = [models.Index(fields=["state", "waiting_since"], name="chat_queue")]

    def __str__(self) -> str:
        return f"chat {self.pk} with {self.name}"


class ChatMessage(models.Model):
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    created_at = models.DateTimeField()
    side = models.CharField(max_length=10, choices=SIDE_CHOICES)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    body = models.TextField()
    # The sender's own key for the message: a retried send finds the row it stored.
    key = models.CharField(max_length=64)
    file = models.FileField(upload_to="chat/%Y/%m/", max_length=255, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    file_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["chat", "key"], name="chat_message_key_once")]

    def __str__(self) -> str:
        return f"message {self.pk} of chat {self.chat_id}"


class Call(models.Model):
    """A phone call: logged by a representative, or reported by the phone system."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    direction = models.CharField(max_length=10, choices=Direction.choices)
    number = models.CharField(max_length=40)  # the other party's, as given
    number_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    called = models.CharField(max_length=40, blank=True)
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)
    # The phone system's id for the call: a retried webhook stores it once.
    external_id = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="call_external_once"
            )
        ]

    def __str__(self) -> str:
        return f"call {self.pk} {self.direction} {self.number}"
