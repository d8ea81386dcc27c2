from django.contrib import admin

from casedesk.cases.models import Case, CaseEvent
from casedesk.core.readonly_admin import ReadOnlyAdmin


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "kind", "public", "body", "changes")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only here: changes go through the console so that rules and audit apply."""

    list_display = ("id", "title", "organisation", "priority", "status", "assignee", "opened_at")
    list_filter = ("status", "priority", "channel", "needs_triage")
    search_fields = ("title",)
    list_select_related = ("organisation", "assignee")
    show_full_result_count = False
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields] + ["related"]

    def has_add_permission(self, request):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The audit trail: who did what to which case, when. Never edited."""

    list_display = ("at", "case", "kind", "actor", "contact", "public")
    list_filter = ("kind", "public")
    search_fields = ("=case__id", "body")
    list_select_related = ("case", "actor", "contact")
    raw_id_fields = ("case", "actor", "contact")
    date_hierarchy = "at"
