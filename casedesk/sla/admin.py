from django.contrib import admin

from casedesk.sla.models import Agreement, Breach, Calendar, EscalationLevel, EscalationPath, Policy


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "time_zone", "always_open", "holiday_country", "updated_at")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = (
        "priority",
        "vendor",
        "response_minutes",
        "response_business_days",
        "response_calendar",
        "update_minutes",
        "update_business_days",
        "update_calendar",
    )
    list_filter = ("vendor",)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """An organisation's alternative targets; its cases' clocks follow them from the next change."""

    list_display = (
        "organisation",
        "priority",
        "response_minutes",
        "response_business_days",
        "response_calendar",
        "update_minutes",
        "update_business_days",
        "update_calendar",
        "reference",
    )
    list_filter = ("priority",)
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation", "response_calendar", "update_calendar")
    search_fields = ("organisation__name", "organisation__account_number", "reference")


class LevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0


@admin.register(EscalationPath)
class EscalationPathAdmin(admin.ModelAdmin):
    list_display = ("kind",)
    inlines = [LevelInline]


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = ("case", "clock", "priority", "team", "due", "late", "ongoing")
    list_filter = ("clock", "priority", "ongoing")
    raw_id_fields = ("case",)

    def has_add_permission(self, request):
        return False
