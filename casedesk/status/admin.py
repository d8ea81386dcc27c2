"""Status models in the admin: to look up and search only. Every change goes through the
console (status actions), which sends the notices, keeps the calendar's sequence numbers
and refreshes the public pages; each row links to its console page. The exception is the
kinds' maintenance policies: plain settings the provider changes here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.status import versions
from casedesk.status.models import (
    Incident,
    IncidentUpdate,
    MaintenanceKindPolicy,
    MaintenanceOccurrence,
    MaintenanceWindow,
    Subscription,
    WebhookDelivery,
)


def _link(url: str, text: str = "Open in the console") -> str:
    return format_html('<a href="{}">{}</a>', url, text)


class OccurrenceInline(admin.TabularInline):
    model = MaintenanceOccurrence
    extra = 0
    fields = ("start", "end", "state", "moved", "sequence", "follow_up")
    readonly_fields = fields
    can_delete = False
    ordering = ("-start",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "rrule", "first_day", "start_time", "end_time", "cancelled", "console")
    list_filter = ("kind", "cancelled", "impact", "platforms")
    search_fields = ("title", "description", "uid")
    inlines = [OccurrenceInline]

    @admin.display(description="Console")
    def console(self, obj: MaintenanceWindow) -> str:
        return _link(reverse("console:maintenance_window", kwargs={"window_id": obj.pk}))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "title": "Maintenance windows (enter and change them in the console)",
        }
        return super().changelist_view(request, extra_context)


@admin.register(MaintenanceKindPolicy)
class MaintenanceKindPolicyAdmin(admin.ModelAdmin):
    """The five kinds are fixed; what each means for new windows and its notices is not.
    A change applies from the next sweep; start and completion notices of windows already
    entered stay as chosen for them."""

    list_display = (
        "kind",
        "default_impact",
        "reminder_lead",
        "announce_on_entry",
        "notify_start",
        "notify_completion",
        "quiet_hours",
    )
    readonly_fields = ("kind",)
    fields = list_display

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        versions.changed()  # the feeds carry the notices of the kinds that send them

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MaintenanceOccurrence)
class MaintenanceOccurrenceAdmin(ReadOnlyAdmin):
    list_display = ("window", "start", "end", "state", "moved", "sequence", "console")
    list_filter = ("state", "moved", "window__kind")
    search_fields = ("window__title",)
    list_select_related = ("window",)
    date_hierarchy = "start"

    @admin.display(description="Console")
    def console(self, obj: MaintenanceOccurrence) -> str:
        return _link(reverse("console:maintenance_window", kwargs={"window_id": obj.window_id}))


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "case", "state", "started_at", "resolved_at", "console")
    list_filter = ("state",)
    search_fields = ("title", "case__title")
    list_select_related = ("case",)

    @admin.display(description="Console")
    def console(self, obj: Incident) -> str:
        return _link(reverse("console:master", kwargs={"number": obj.case.number}))


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(ReadOnlyAdmin):
    list_display = ("incident", "at", "state", "author")
    list_filter = ("state",)
    search_fields = ("body", "incident__title")
    list_select_related = ("incident", "author")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "channel",
        "email",
        "url",
        "platform",
        "incident",
        "created_at",
        "confirmed_at",
        "console",
    )
    list_filter = ("channel", "platform", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "url")
    list_select_related = ("platform", "incident")
    exclude = ("secret",)  # shown once, when the webhook is added

    @admin.display(description="Console")
    def console(self, obj: Subscription) -> str:
        if obj.channel == Subscription.Channel.WEBHOOK:
            return _link(reverse("console:webhooks"))
        return ""


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_key", "subscription", "state", "attempts", "created_at", "next_attempt_at")
    list_filter = ("state",)
    search_fields = ("event_key", "subscription__url")
    list_select_related = ("subscription", "subscription__platform", "subscription__incident")
