from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.core import clock


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.CASEDESK_SITE_NAME,
        "is_staff_user": is_staff(user),
        "portal_contact": customer_contact(user),
        "now": clock.now(),
    }
