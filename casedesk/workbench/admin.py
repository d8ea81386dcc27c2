from django.contrib import admin

from casedesk.workbench.models import SavedReply, SavedView
from casedesk.workbench.replies import PLACEHOLDERS


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "owner")
    list_filter = ("team",)
    search_fields = ("title", "body")
    autocomplete_fields = ("owner",)
    fieldsets = (
        (None, {"fields": ("title", "body"), "description": "Placeholders: " + ", ".join(PLACEHOLDERS)}),
        ("Who may use it", {"fields": ("team", "owner"), "description": "Neither: everyone on the desk."}),
    )


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    """Views are saved from the queue pages; here they can be looked at and removed."""

    list_display = ("name", "queue", "team", "owner")
    readonly_fields = ("name", "queue", "query", "owner", "team", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False
