import io

from django import forms
from django.contrib import admin
from reportlab.lib.utils import ImageReader

from casedesk.billing.models import (
    Account,
    CreditNote,
    Dispute,
    Invoice,
    InvoiceLine,
    Issuer,
    NumberSeries,
    Run,
    TaxRule,
)
from casedesk.core.readonly_admin import ReadOnlyAdmin

MAX_LOGO_BYTES = 1024 * 1024


class IssuerForm(forms.ModelForm):
    logo_file = forms.FileField(
        required=False, label="Logo", help_text="A PNG or JPEG, printed on invoices finalized from now on."
    )

    class Meta:
        model = Issuer
        fields = ("name", "address", "tax_id")

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        data = upload.read(MAX_LOGO_BYTES + 1)
        if len(data) > MAX_LOGO_BYTES:
            raise forms.ValidationError("A logo is at most 1 MB.")
        try:
            ImageReader(io.BytesIO(data)).getSize()
        except Exception:
            raise forms.ValidationError("This file is not a PNG or JPEG image.") from None
        return data

    def save(self, commit: bool = True) -> Issuer:
        issuer = super().save(commit=False)
        logo = self.cleaned_data.get("logo_file")
        if logo:
            issuer.logo = logo
        if commit:
            issuer.save()
        return issuer


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    """The provider as its invoices name it (the first row is used)."""

    form = IssuerForm
    list_display = ("name", "tax_id")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Who gets an organisation's invoice e-mail, and its currency."""

    list_display = ("organisation", "send_to", "currency")
    list_filter = ("send_to",)
    autocomplete_fields = ("organisation",)


@admin.register(TaxRule)
class TaxRuleAdmin(admin.ModelAdmin):
    """Taxes and surcharges per line kind; a change applies to invoices finalized after it."""

    list_display = ("name", "line_kind", "rate", "active")
    list_filter = ("line_kind", "active")


@admin.register(NumberSeries)
class NumberSeriesAdmin(ReadOnlyAdmin):
    # Numbers are taken under a row lock by finalization only: an edit could leave a gap.
    list_display = ("key", "prefix", "next_number")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("reference", "organisation", "period", "status", "total", "finalized_at", "mailed_at")
    list_filter = ("status", "period")
    search_fields = ("reference", "organisation__name")
    exclude = ("pdf",)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "position", "kind", "description", "amount", "tax")
    list_filter = ("kind",)


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("reference", "invoice", "amount", "reason", "carried_by", "created_at")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("case", "invoice", "amount", "status", "decided_at")
    list_filter = ("status",)


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("period", "source", "started_at", "finished_at", "organisations", "finalized", "mailed")
