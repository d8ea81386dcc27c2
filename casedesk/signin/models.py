"""Each signed-in session as a row of its own: the session store of the desk.

The session table is keyed by the SHA-256 of the session key (the cookie's value), so a
copy of the table or a row shown in a list cannot be replayed as a cookie. Beside the
session data each row keeps whose it is, when it began and was last seen, and from which
address and browser, so a person can list their sessions and end any of them: deleting
the row ends the session on its very next request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

from casedesk.rules.second_factor import USER_AGENT_MAX


class SignInSession(AbstractBaseSession):
    session_key = models.CharField("session key digest", max_length=64, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sign_in_sessions",
    )
    created_at = models.DateTimeField("signed in", null=True, blank=True)
    last_seen_at = models.DateTimeField("last seen", null=True, blank=True)
    ip = models.GenericIPAddressField("address", null=True, blank=True)
    user_agent = models.CharField("browser", max_length=USER_AGENT_MAX, blank=True)

    class Meta:
        verbose_name = "sign-in session"
        indexes = [models.Index(fields=["user", "expire_date"], name="signin_user_expiry")]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at}"
