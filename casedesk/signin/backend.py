"""The authentication backend: Django's model backend, with the signed-in user of every
request and, for staff, the abilities of their role read by one statement built once per
process (`core.prepared`), as the API's token is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, Subquery

from casedesk.accounts.permissions import remember_role
from casedesk.core.prepared import Prepared


def _user(user_id: int) -> Any:
    from casedesk.accounts.models import StaffRole

    return (
        get_user_model()
        ._default_manager.filter(pk=user_id)
        .annotate(
            role_abilities=Subquery(
                StaffRole.objects.filter(key=OuterRef("staff_role")).values("abilities")[:1]
            )
        )
    )


_USER: Prepared[Any] = Prepared(_user)


class Backend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        found = _USER(user_id)
        if not found:
            return None
        user = found[0]
        if not self.user_can_authenticate(user):
            return None
        remember_role(user, user.role_abilities)
        return user
