from django.contrib import admin

from casedesk.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked")
    readonly_fields = ("key_digest", "prefix", "created_at", "last_used_at")
    list_filter = ("revoked",)
