"""An organisation's service inventory: users (seats), phone numbers, devices, licences and
features, one row each, with every change audited and its billing effect recorded.

Written only by `casedesk.inventory.actions` (and the import, which calls the same engine).
History keeps raw values (`ItemEvent.old`/`new`: the stored strings), never labels.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules.inventory import FeatureType, Kind, Op

KIND_CHOICES = [(k.value, k.label) for k in Kind]
OP_CHOICES = [(o.value, o.label) for o in Op]
FEATURE_CHOICES = [(f.value, f.label) for f in FeatureType]


class Item(models.Model):
    """One service of an organisation. `key` is the item's identity within its kind (a
    number's E.164, a seat's e-mail, a device's MAC or `SN:` serial, `platform/product/seat`
    for a licence, `type/name` for a feature); the columns are the fields of
    `rules.inventory.FIELDS`, blank where a kind has none."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    key = models.CharField(max_length=320)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    extension = models.CharField(max_length=8, blank=True)
    number = models.CharField("number (E.164)", max_length=20, blank=True)
    service_address = models.CharField(
        max_length=300, blank=True, help_text="Where the number is used: emergency calls and taxes."
    )
    mac = models.CharField("MAC address", max_length=17, blank=True)
    serial = models.CharField("serial number", max_length=64, blank=True)
    model = models.CharField(max_length=100, blank=True)
    platform = models.CharField(max_length=40, blank=True, help_text="A platform's code.")
    product = models.CharField(max_length=100, blank=True)
    feature_type = models.CharField(max_length=20, choices=FEATURE_CHOICES, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    assigned_to = models.CharField(max_length=254, blank=True, help_text="The e-mail of the user (seat).")
    site = models.CharField(max_length=100, blank=True)
    cost_centre = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "kind", "key"]
        constraints = [
            # Also the index every inventory page and export reads in order.
            models.UniqueConstraint(fields=["organisation", "kind", "key"], name="inventory_item_key"),
            # A number is held by one organisation at most.
            models.UniqueConstraint(
                fields=["key"], condition=Q(kind="number"), name="inventory_number_one_holder"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "assigned_to"], name="inventory_item_assigned"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    @property
    def title(self) -> str:
        """What a person calls the item (shown in lists; the key stays the identity)."""
        if self.kind == Kind.NUMBER:
            try:
                parsed = phonenumbers.parse(self.number or self.key)
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            except phonenumbers.NumberParseException:
                return self.key
        if self.kind == Kind.DEVICE:
            return self.mac or self.serial
        if self.kind == Kind.LICENCE:
            return self.product
        if self.kind == Kind.FEATURE:
            return self.name
        return self.email or self.key

    @property
    def detail(self) -> str:
        if self.kind == Kind.SEAT:
            return " · ".join(v for v in (self.name, f"ext. {self.extension}" if self.extension else "") if v)
        if self.kind == Kind.NUMBER:
            return self.service_address
        if self.kind == Kind.DEVICE:
            return self.model
        if self.kind == Kind.LICENCE:
            return f"{self.platform}{f' × {self.quantity}' if self.quantity > 1 else ''}"
        return self.get_feature_type_display()


class ChangeBatch(models.Model):
    """Changes asked together: applied at once (status applied) or kept until their
    effective date (scheduled; the sweep applies them through the same action)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=20, help_text="portal, api, console, import, macd, ...")
    reference = models.CharField(max_length=80, blank=True, help_text="e.g. the MACD request's case number")
    status = models.CharField(max_length=10, choices=Status.choices)
    effective = models.DateField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="When a scheduled batch is applied.")
    changes = models.JSONField(default=list, blank=True, help_text="Raw changes of a scheduled batch.")
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["due_at", "id"], condition=Q(status="scheduled"), name="inventory_batch_due"
            ),
            models.Index(fields=["organisation", "-id"], name="inventory_batch_org"),
        ]

    def __str__(self) -> str:
        return f"{self.count} change(s) effective {self.effective} ({self.status})"


class ItemEvent(models.Model):
    """The audit: one row per change of an item, with who, when and the raw states."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ChangeBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    key = models.CharField(max_length=320)
    op = models.CharField(max_length=10, choices=OP_CHOICES)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "kind", "key", "-at"], name="inventory_event_item"),
            models.Index(fields=["organisation", "-at"], name="inventory_event_org"),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.kind} {self.key} at {self.at:%Y-%m-%d %H:%M}"


class ChargeEvent(models.Model):
    """A change's effect on the organisation's bill, from its effective date: the monthly
    delta and the pro-rated amount of that first month. Invoicing reads and locks these."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ChangeBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    key = models.CharField(max_length=320)
    op = models.CharField(max_length=10, choices=OP_CHOICES)
    description = models.CharField(max_length=300)
    effective = models.DateField()
    monthly_delta = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Pro-rated for the first month.")
    created_at = models.DateTimeField()
    invoiced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["effective", "id"]
        indexes = [
            models.Index(fields=["organisation", "effective"], name="inventory_charge_org"),
            models.Index(
                fields=["organisation", "effective"],
                condition=Q(invoiced_at__isnull=True),
                name="inventory_charge_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount} from {self.effective}"


class Administrator(models.Model):
    """A contact designated organisation admin: runs the organisation's services (sees and
    changes the inventory) without being a main point of contact."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "organisation admin"

    def __str__(self) -> str:
        return f"organisation admin {self.contact_id}"


class ImportJob(models.Model):
    """A CSV upload of an organisation's inventory: previewed row by row in the background,
    applied only when its preview is confirmed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PREVIEWING = "previewing", "Reading the file"
        PREVIEWED = "previewed", "Preview ready"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=20)
    file = models.CharField(max_length=200, help_text="The stored upload, under MEDIA_ROOT.")
    file_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    effective = models.DateField()
    total = models.PositiveIntegerField(default=0, help_text="Rows of the file (and deletions).")
    done = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    charge_monthly = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    charge_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    message = models.TextField(blank=True)
    batch = models.ForeignKey(ChangeBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "-id"], name="inventory_import_org")]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


class ImportRow(models.Model):
    """One row of an import's preview: what it will do (`op`, blank for unchanged), its
    change and charge, or why it cannot be applied. `rank` orders the apply (users first,
    deletions last) so a row may name a user added further down the file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(help_text="The file's line; 0 for a deletion (not in the file).")
    rank = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, blank=True)
    key = models.CharField(max_length=320, blank=True)
    op = models.CharField(max_length=10, blank=True)
    change = models.JSONField(null=True, blank=True)
    assigned_to = models.CharField(max_length=254, blank=True)
    monthly_delta = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "line", "id"]
        indexes = [
            models.Index(fields=["job", "rank", "id"], name="inventory_row_apply"),
            models.Index(fields=["job", "kind", "key"], name="inventory_row_key"),
            models.Index(fields=["job", "line"], condition=~Q(error=""), name="inventory_row_error"),
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.op or 'unchanged'} {self.kind} {self.key}"
