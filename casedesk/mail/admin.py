from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.mail.models import AddressFailure, InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    """Received mail as stored: history. Quarantined messages are reviewed in the console."""

    list_display = ("received_at", "sender", "subject", "state", "outcome", "case", "console")
    list_filter = ("state", "outcome", "source")
    search_fields = ("sender", "subject", "message_id")
    list_select_related = ("case",)
    exclude = ("raw",)  # downloadable from the console, never shown as text
    date_hierarchy = "received_at"

    @admin.display(description="console")
    def console(self, obj: InboundMessage) -> str:
        url = reverse("console:mail_message", kwargs={"message_id": obj.pk})
        return format_html('<a href="{}">Open in the console</a>', url)


@admin.register(AddressFailure)
class AddressFailureAdmin(ReadOnlyAdmin):
    list_display = ("at", "address", "permanent", "action", "status")
    list_filter = ("permanent", "action")
    search_fields = ("address",)
