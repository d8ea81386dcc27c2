from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casedesk.accounts.permissions import abilities_of, customer_contact, is_staff
from casedesk.core import clock


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.CASEDESK_SITE_NAME,
        "is_staff_user": is_staff(user),
        "portal_contact": customer_contact(user),
        # What the user may do, so that pages leave out what they may not use.
        "abilities": {a.value for a in abilities_of(user)} if user is not None else set(),
        "now": clock.now(),
        # The plan tells customers to call or chat for anything urgent (SPEC §2).
        "support_phone": settings.CASEDESK_SUPPORT_PHONE,
        "support_chat_url": settings.CASEDESK_SUPPORT_CHAT_URL,
    }
