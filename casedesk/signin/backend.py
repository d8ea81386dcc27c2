"""The authentication backend: Django's model backend, with the signed-in user of every
request read by one statement built once per process (`core.prepared`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from casedesk.core.prepared import Prepared


def _user(user_id: int) -> Any:
    return get_user_model()._default_manager.filter(pk=user_id)


_USER: Prepared[Any] = Prepared(_user)


class Backend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        found = _USER(user_id)
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
