"""Invoices (SPEC §9): drafts built from the inventory and MACD time, finalized once with a
number of their series and a stored PDF, never changed after; corrections are credit notes.
Written only by `casedesk.billing.actions` (and the run, which calls them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules.invoicing import LineKind

LINE_KIND_CHOICES = [(k.value, k.label) for k in LineKind]


def money(**kw: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kw)


class Issuer(models.Model):
    """The provider as its invoices name it: data, edited in the admin (one row is used)."""

    name = models.CharField(max_length=200)
    address = models.TextField(help_text="One line per line of the address.")
    logo = models.BinaryField(blank=True, default=b"", help_text="A PNG or JPEG printed on the invoice.")
    tax_id = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """An organisation's billing terms: who gets the invoice e-mail and in what currency."""

    class SendTo(models.TextChoices):
        FINANCIAL = "financial", "Financial contacts"
        MPOC = "mpoc", "Primary MPOC"
        BOTH = "both", "Financial contacts and the primary MPOC"

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="billing"
    )
    send_to = models.CharField(max_length=10, choices=SendTo.choices, default=SendTo.BOTH)
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        verbose_name = "billing account"

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_send_to_display()}"


class TaxRule(models.Model):
    """A tax or surcharge on one kind of line (rate 0.0725 for 7.25 %)."""

    name = models.CharField(max_length=100)
    line_kind = models.CharField(max_length=20, choices=LINE_KIND_CHOICES)
    rate = models.DecimalField(max_digits=7, decimal_places=5)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["line_kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} on {self.line_kind}: {self.rate}"


class NumberSeries(models.Model):
    """A gapless counter: `next_number` is taken under a row lock in the finalizing
    transaction, so a rolled-back finalization gives its number back."""

    key = models.CharField(max_length=20, unique=True)
    prefix = models.CharField(max_length=10)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "number series"

    def __str__(self) -> str:
        return f"{self.prefix} (next {self.next_number})"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINALIZED = "finalized", "Finalized"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7, help_text="YYYY-MM: the month of the run that issues it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="USD")
    series = models.ForeignKey(
        NumberSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=30, blank=True)
    subtotal = money(default=0)
    tax = money(default=0)
    total = money(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.BinaryField(default=b"", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True, help_text="When the run queued its e-mail.")

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [
            # One invoice per organisation and period: the run's key.
            models.UniqueConstraint(fields=["organisation", "period"], name="invoice_once_per_period"),
            models.UniqueConstraint(
                fields=["series", "number"], condition=Q(number__isnull=False), name="invoice_number_once"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | Q(status="finalized", number__isnull=False),
                name="invoice_number_iff_finalized",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status", "id"], name="invoice_period_status"),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft {self.period} of {self.organisation_id}"

    @property
    def finalized(self) -> bool:
        return self.status == self.Status.FINALIZED


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=LINE_KIND_CHOICES)
    description = models.CharField(max_length=300)
    # What the line bills, as it was when billed (the item may change or go later).
    item = models.ForeignKey(
        "inventory.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_kind = models.CharField(max_length=10, blank=True)
    item_key = models.CharField(max_length=320, blank=True)
    site = models.CharField(max_length=100, blank=True)
    cost_centre = models.CharField(max_length=100, blank=True)
    charge_event = models.ForeignKey(
        "inventory.ChargeEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request = models.ForeignKey(
        "macd.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time_entry_ids = models.JSONField(default=list, blank=True)
    adjustment = models.ForeignKey(
        "billing.Adjustment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    credit_note = models.ForeignKey(
        "billing.CreditNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = money()
    amount = money()
    tax_rate = models.DecimalField(max_digits=7, decimal_places=5, default=0)
    tax = money(default=0)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


class Adjustment(models.Model):
    """A one-off charge (positive) or credit (negative) billing staff add: carried by the
    organisation's next finalized invoice."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    description = models.CharField(max_length=300)
    amount = money()
    site = models.CharField(max_length=100, blank=True)
    cost_centre = models.CharField(max_length=100, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation"], condition=Q(invoice__isnull=True), name="adjustment_open"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class CreditNote(models.Model):
    """A correction of a finalized invoice, numbered in its own series; its amount is carried
    as a credit line on the organisation's next invoice (`carried_by`)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    reference = models.CharField(max_length=30)
    amount = money()
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    carried_by = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["series", "number"], name="credit_note_number_once")]
        indexes = [
            models.Index(
                fields=["organisation"], condition=Q(carried_by__isnull=True), name="credit_note_open"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Dispute(models.Model):
    """A customer's question about an invoice or dispute of some of its lines: a billing case
    on the billing escalation path, upheld (a credit note) or declined with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DECLINED = "declined", "Declined"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="billing_dispute")
    lines = models.ManyToManyField(InvoiceLine, blank=True, related_name="disputes")
    amount = money(default=0, help_text="The disputed lines' totals.")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"dispute {self.pk} of {self.invoice}"


class InvoiceMail(models.Model):
    """An invoice e-mail in the outbox: the run's first (keyed by organisation and period,
    so it is queued once) or a re-send (no key)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="mails")
    message = models.OneToOneField("outbox.OutboundMessage", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.invoice} -> {self.message_id}"


class Run(models.Model):
    """One invoice run: what it did, for billing staff."""

    period = models.CharField(max_length=7)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, help_text="sweep, command, console")
    organisations = models.PositiveIntegerField(default=0)
    finalized = models.PositiveIntegerField(default=0)
    already_done = models.PositiveIntegerField(default=0)
    mailed = models.PositiveIntegerField(default=0)
    total = money(default=0)
    failures = models.JSONField(default=list, blank=True, help_text="[{organisation, name, reason}]")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.period} at {self.started_at:%Y-%m-%d %H:%M}"
