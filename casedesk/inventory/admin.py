from django.contrib import admin

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.inventory.models import Administrator, ChangeBatch, ChargeEvent, ImportJob, Item, ItemEvent


@admin.register(Administrator)
class AdministratorAdmin(admin.ModelAdmin):
    """Organisation admins: contacts who run the services without being MPOCs."""

    list_display = ("contact", "created_at")
    raw_id_fields = ("contact",)


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "key", "site", "cost_centre", "monthly_price")
    list_filter = ("kind",)
    search_fields = ("key", "name", "site")


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "organisation", "op", "kind", "key", "by")
    list_filter = ("op", "kind")


@admin.register(ChargeEvent)
class ChargeEventAdmin(ReadOnlyAdmin):
    list_display = ("effective", "organisation", "description", "monthly_delta", "amount", "invoiced_at")


@admin.register(ChangeBatch)
class ChangeBatchAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organisation", "source", "status", "effective", "count")
    list_filter = ("status", "source")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organisation", "file_name", "status", "total", "errors")
