"""Cases, their timeline (the audit trail) and attachments. Writes go through actions.py."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from casedesk.rules.lifecycle import LABELS, OPEN_STATUSES, Status
from casedesk.rules.triage import Priority

STATUS_CHOICES = [(status.value, LABELS[status]) for status in Status]
OPEN_VALUES = sorted(s.value for s in OPEN_STATUSES)
OPEN_Q = Q(status__in=OPEN_VALUES)
NUMBER_RE = re.compile(r"^\s*(?:[A-Za-z]{1,6}-)?0*(\d{1,12})\s*$")


# The one list of priorities is the rules' (casedesk.rules.triage); re-exported here for
# the apps that read cases.
PRIORITY_CHOICES = [(p.value, p.label) for p in Priority]


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    API = "api", "API"


class Kind(models.TextChoices):
    """A support case, or a MACD request (move, add, change, delete: plan §7), which is a
    case of its own kind with the same statuses and rules."""

    SUPPORT = "support", "Support case"
    MACD = "macd", "MACD request"


# A MACD request's approval as the case keeps it (`rules.approvals.State`; "" for a support
# case), so that every case action can refuse work on one not yet approved.
APPROVAL_CHOICES = [
    ("", "—"),
    ("not_needed", "Pre-approved"),
    ("pending", "Awaiting approval"),
    ("approved", "Approved"),
    ("declined", "Declined"),
]


def number_for(pk: int) -> str:
    return f"{settings.CASEDESK_CASE_PREFIX}-{pk:06d}"


def pk_from_number(number: str) -> int | None:
    """`CS-000123`, `cs-123` or `123` -> 123; anything else -> None."""
    match = NUMBER_RE.match(number or "")
    return int(match.group(1)) if match else None


# What the queue filters test, carried in the open queues' indexes.
QUEUE_FILTER_COLUMNS = (
    "status",
    "priority",
    "organisation",
    "team",
    "assignee",
    "platform",
    "channel",
    "needs_triage",
    "opened_at",
    "updated_at",
    "next_due_at",
)


def _filtered(key: str) -> list[str]:
    return [column for column in QUEUE_FILTER_COLUMNS if column != key]


class Case(models.Model):
    # The case number is the primary key shown with a prefix: unique under any concurrency
    # the database allows, no counter row to lock, and found by primary-key lookup.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.PROTECT, related_name="cases")
    platform = models.ForeignKey(
        "accounts.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SUPPORT)
    approval = models.CharField(max_length=12, choices=APPROVAL_CHOICES, blank=True, default="")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=3, choices=PRIORITY_CHOICES, default=Priority.P4)
    status = models.CharField(max_length=24, choices=STATUS_CHOICES, default=Status.NEW.value)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    needs_triage = models.BooleanField(default=True)
    vendor = models.CharField(max_length=120, blank=True)
    vendor_ticket = models.CharField("vendor ticket reference", max_length=120, blank=True)
    etr = models.DateTimeField("estimated time of resolution", null=True, blank=True)
    on_hold_until = models.DateTimeField(null=True, blank=True)
    shipping_carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    resolution = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The earliest deadline the case must meet next (SLA clocks, hold wake-up); queues sort
    # on it and sweeps find what is due through its index.
    next_due_at = models.DateTimeField(null=True, blank=True)
    # SLA clocks as last computed from the timeline (casedesk.sla.clocks.refresh).
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    next_update_due = models.DateTimeField(null=True, blank=True)
    # A MACD request's completion target (from approval, on its service level's calendar).
    completion_due = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # when its work was done (resolved)
    sla_paused = models.BooleanField(default=False)
    # When the case closes by itself if the customer stays silent (no response to a
    # question, or a resolution never confirmed), and when they are warned before.
    auto_close_at = models.DateTimeField(null=True, blank=True)
    close_warning_at = models.DateTimeField(null=True, blank=True)
    # Updates more often than the policy gives them, as the customer asked ("hourly, or as
    # requested"); None: the policy's interval.
    requested_update_minutes = models.PositiveIntegerField(
        "requested update interval (minutes)", null=True, blank=True
    )
    # When the next SLA warning or breach notice is due, and the last one already sent.
    next_alert_at = models.DateTimeField(null=True, blank=True)
    alerted_through = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="case_org_recent"),
            models.Index(fields=["organisation", "status", "-id"], name="case_org_status"),
            models.Index(fields=["organisation", "-id"], condition=OPEN_Q, name="case_org_open_recent"),
            # The open queues in each sortable order, carrying the columns the filters test,
            # so a filtered queue is an index-only scan that stops at its page (PostgreSQL;
            # elsewhere the included columns are left out).
            models.Index(
                fields=["next_due_at", "id"],
                condition=OPEN_Q,
                name="case_open_due",
                include=_filtered("next_due_at"),
            ),
            *(
                models.Index(
                    fields=[column, "id"],
                    condition=OPEN_Q,
                    name=f"case_open_{name}",
                    include=_filtered(column),
                )
                for name, column in (
                    ("updated", "updated_at"),
                    ("opened", "opened_at"),
                    ("priority", "priority"),
                    ("status", "status"),
                )
            ),
            models.Index(
                fields=["next_due_at", "id"],
                condition=OPEN_Q & Q(needs_triage=True),
                name="case_triage_due",
            ),
            models.Index(fields=["assignee", "next_due_at", "id"], condition=OPEN_Q, name="case_mine_due"),
            models.Index(fields=["team", "next_due_at", "id"], condition=OPEN_Q, name="case_team_due"),
            models.Index(
                fields=["organisation", "next_due_at", "id"], condition=OPEN_Q, name="case_org_open_due"
            ),
            # The sweeps' work lists: each is one range scan over what is due.
            models.Index(
                fields=["on_hold_until", "id"], condition=Q(status="on_hold"), name="case_hold_wake"
            ),
            models.Index(fields=["auto_close_at", "id"], condition=OPEN_Q, name="case_auto_close"),
            models.Index(fields=["close_warning_at", "id"], condition=OPEN_Q, name="case_close_warning"),
            models.Index(fields=["next_alert_at", "id"], condition=OPEN_Q, name="case_sla_alert"),
            # The MACD queue, and the completion targets due.
            models.Index(
                fields=["next_due_at", "id"], condition=OPEN_Q & Q(kind="macd"), name="case_macd_due"
            ),
            models.Index(fields=["completion_due", "id"], condition=OPEN_Q, name="case_completion_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("portal:case", kwargs={"number": self.number})

    @property
    def number(self) -> str:
        return number_for(self.pk) if self.pk else ""

    # The linked cases' numbers, from the keys: a page shows them without reading the cases.
    @property
    def duplicate_of_number(self) -> str:
        return number_for(self.duplicate_of_id) if self.duplicate_of_id else ""

    @property
    def follow_up_of_number(self) -> str:
        return number_for(self.follow_up_of_id) if self.follow_up_of_id else ""

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def status_label(self) -> str:
        return LABELS[Status(self.status)]

    @property
    def is_open(self) -> bool:
        return Status(self.status).is_open

    @property
    def is_macd(self) -> bool:
        return self.kind == Kind.MACD


class CaseEvent(models.Model):
    """One entry of a case's timeline and audit trail: who, when, what changed."""

    class Kind(models.TextChoices):
        CREATED = "created", "Opened"
        COMMENT = "comment", "Comment"
        NOTE = "note", "Internal note"
        STATUS = "status", "Status change"
        CHANGE = "change", "Change"
        LINK = "link", "Link"
        ATTACHMENT = "attachment", "Attachment"
        ESCALATION = "escalation", "Escalation"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The customer contact who wrote it, also when they acted without a login (e-mail).
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10)  # rules.lifecycle.Actor
    kind = models.CharField(max_length=12, choices=Kind.choices)
    public = models.BooleanField(default=True)
    # A public staff reply that waits on the customer (pauses the clocks; starts the
    # no-response count).
    asks_customer = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    # For an entry written from an e-mail: whether its sender was verified (DMARC) to be
    # who it claims; None for everything else.
    sender_verified = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="event_case_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def author_name(self) -> str:
        contact = self.contact
        principal = contact.delegate_of if contact is not None else None
        if contact is not None and principal is not None:
            # A partner's person acted for the customer: the record names both.
            partner = principal.organisation.name
            return f"{contact.name} ({partner}, for {contact.organisation.name})"
        if self.actor is not None:
            return self.actor.display_name
        if self.contact is not None:
            return self.contact.name
        return "System"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is made here, never taken from the uploader.
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=120)  # cleaned, for display and download only
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    # Its file removed under the retention rule for closed cases; the row (name, size,
    # digest) stays as the record that it existed.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """Someone besides its contact who hears what the case's contact hears (copied, Cc): a
    contact of the case's organisation, who then also sees the case in the portal, or an
    e-mail address, who only gets the mail. Written only by the case actions
    (`actions.add_participants`, `actions.remove_participant`), each change on the timeline."""

    class Source(models.TextChoices):
        CONSOLE = "console", "Support staff"
        PORTAL = "portal", "Portal"
        EMAIL = "email", "E-mail Cc"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="participations"
    )
    # In lower case; "" for a contact, whose address is read when a notice goes out.
    address = models.EmailField(max_length=254, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The customer who added them without a login (their e-mail's Cc).
    added_by_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(address=""))
                | (Q(contact__isnull=True) & ~Q(address="")),
                name="participant_contact_or_address",
            ),
            models.UniqueConstraint(
                fields=["case", "contact"],
                condition=Q(contact__isnull=False),
                name="participant_contact_once",
            ),
            models.UniqueConstraint(
                fields=["case", "address"], condition=~Q(address=""), name="participant_address_once"
            ),
        ]
        indexes = [models.Index(fields=["address"], condition=~Q(address=""), name="participant_address")]

    def __str__(self) -> str:
        return f"{self.email} on {self.case_id}"

    @property
    def email(self) -> str:
        return self.contact.email if self.contact is not None else self.address
