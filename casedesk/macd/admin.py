from django.contrib import admin

from casedesk.macd.models import OrganisationSettings, PreApprovedChange


@admin.register(OrganisationSettings)
class OrganisationSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "approval_rule")
    autocomplete_fields = ("organisation",)


@admin.register(PreApprovedChange)
class PreApprovedChangeAdmin(admin.ModelAdmin):
    list_display = ("organisation", "change_type", "note")
    list_filter = ("change_type",)
    autocomplete_fields = ("organisation",)
