from typing import Any

from django import forms
from django.contrib import admin

from casedesk.branding import actions, logos
from casedesk.branding.models import Brand
from casedesk.core.errors import Refused

MAX_READ = logos.MAX_BYTES + 1


class BrandForm(forms.ModelForm):
    support_url = forms.URLField(
        label="Support web address", required=False, assume_scheme="https", help_text="https://…"
    )
    logo_file = forms.FileField(
        required=False,
        label="Logo",
        help_text=f"A PNG or JPEG of at most {logos.MAX_BYTES // 1024} KB, shown in the portal's header.",
    )

    class Meta:
        model = Brand
        fields = (
            "organisation",
            "name",
            "primary_colour",
            "accent_colour",
            "support_email",
            "support_phone",
            "support_url",
        )

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        data = upload.read(MAX_READ)
        try:
            logos.check(data)
        except Refused as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    """A rebiller's name, logo, colours and support contacts, as its customers see them."""

    form = BrandForm
    list_display = ("name", "organisation", "primary_colour", "accent_colour", "support_email")
    search_fields = ("name", "organisation__name")

    def save_model(self, request: Any, obj: Brand, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        logo = form.cleaned_data.get("logo_file")
        if logo:
            actions.set_logo(obj, logo)
