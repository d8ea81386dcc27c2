"""Signed-in sessions in the admin: who is signed in where, and signing one out (deleting
its row ends the session). The session data itself is never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.rules.second_factor import describe_user_agent
from casedesk.signin.models import SignInSession


@admin.register(SignInSession)
class SignInSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "browser", "ip", "created_at", "last_seen_at", "expire_date")
    list_select_related = ("user",)
    list_filter = ("created_at",)
    search_fields = ("user__email", "ip")
    fields = ("user", "browser", "user_agent", "ip", "created_at", "last_seen_at", "expire_date")
    readonly_fields = fields
    ordering = ("-last_seen_at",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(user__isnull=False)

    @admin.display(description="browser")
    def browser(self, obj: SignInSession) -> str:
        return describe_user_agent(obj.user_agent)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)  # signing a session out, e.g. a lost laptop's
