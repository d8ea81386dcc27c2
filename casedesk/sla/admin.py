from django.contrib import admin

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.core.when import duration, human
from casedesk.sla.models import Agreement, Breach, Calendar, EscalationLevel, EscalationPath, Policy


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "time_zone", "always_open", "holiday_country", "updated_at")


def _target(minutes: int, days: object, calendar: Calendar) -> str:
    parts = [duration(minutes, minutes=True)] if minutes else []
    if days:
        parts.append(f"{float(str(days)):g} business day{'s' if float(str(days)) != 1 else ''}")
    return f"{' + '.join(parts) or '—'} ({calendar.name})"


class TargetsAdmin(admin.ModelAdmin):
    """Targets are stored as minutes plus business days; the list reads them as durations."""

    @admin.display(description="first response")
    def response(self, obj: Policy | Agreement) -> str:
        return _target(obj.response_minutes, obj.response_business_days, obj.response_calendar)

    @admin.display(description="updates")
    def update(self, obj: Policy | Agreement) -> str:
        return _target(obj.update_minutes, obj.update_business_days, obj.update_calendar)


@admin.register(Policy)
class PolicyAdmin(TargetsAdmin):
    list_display = ("priority", "vendor", "response", "update")
    list_select_related = ("response_calendar", "update_calendar")
    list_filter = ("vendor",)


@admin.register(Agreement)
class AgreementAdmin(TargetsAdmin):
    """An organisation's alternative targets; its cases' clocks follow them from the next change."""

    list_display = ("organisation", "priority", "response", "update", "reference")
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
class BreachAdmin(ReadOnlyAdmin):
    """A record of a missed deadline, written by the SLA sweeps: history, not to be edited."""

    list_display = ("case", "clock", "priority", "team", "due_at", "how_late", "ongoing")
    list_filter = ("clock", "priority", "ongoing")
    list_select_related = ("case", "team")
    fields = ("case", "clock", "priority", "team", "due_at", "until_at", "how_late", "ongoing")
    readonly_fields = fields
    date_hierarchy = "due"

    @admin.display(description="due", ordering="due")
    def due_at(self, obj: Breach) -> str:
        return human(obj.due)

    @admin.display(description="until")
    def until_at(self, obj: Breach) -> str:
        return human(obj.until)

    @admin.display(description="late by", ordering="late")
    def how_late(self, obj: Breach) -> str:
        return duration(obj.late)
