"""The session engine (`SESSION_ENGINE = "casedesk.signin.store"`): Django's database
sessions, with the table keyed by a digest of the session key and the row's own columns
(whose, since when, last seen, address, browser) filled from what the middleware keeps in
the session's data (`casedesk.signin.sessions.META`)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from casedesk.core.prepared import Prepared
from casedesk.rules.second_factor import USER_AGENT_MAX

META = "_casedesk_signin"  # {"user", "created", "seen", "ip", "ua"} in the session's data
AUTH_USER = "_auth_user_id"  # django.contrib.auth's key


def digest(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()


def _at(value: Any) -> datetime | None:
    return datetime.fromtimestamp(float(value), tz=UTC) if value else None


def _session(key: str, now: datetime) -> Any:
    from casedesk.signin.models import SignInSession

    return SignInSession.objects.filter(session_key=key, expire_date__gt=now)


# Every signed-in request reads its session: the statement is built once (`core.prepared`).
_SESSION: Prepared[Any] = Prepared(_session)


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from casedesk.signin.models import SignInSession

        return SignInSession

    def _get_session_from_db(self) -> Any:
        try:
            found = _SESSION(digest(self.session_key), timezone.now())
        except SuspiciousOperation as exc:
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = []
        if not found:
            self._session_key = None
            return None
        return found[0]

    async def _aget_session_from_db(self) -> Any:
        try:
            return await self.model.objects.aget(
                session_key=digest(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str | None) -> bool:
        return bool(self.model.objects.filter(session_key=digest(session_key)).exists())

    async def aexists(self, session_key: str | None) -> bool:
        return bool(await self.model.objects.filter(session_key=digest(session_key)).aexists())

    def _row(self, key: str, data: dict[str, Any], expiry: datetime) -> Any:
        meta = data.get(META) or {}
        user_id = data.get(AUTH_USER)
        same_user = user_id is not None and str(meta.get("user")) == str(user_id)
        from casedesk.signin.models import SignInSession

        return SignInSession(
            session_key=digest(key),
            session_data=self.encode(data),
            expire_date=expiry,
            user_id=user_id,
            created_at=_at(meta.get("created")) if same_user else None,
            last_seen_at=_at(meta.get("seen")) if same_user else None,
            ip=(meta.get("ip") or None) if same_user else None,
            user_agent=str(meta.get("ua") or "")[:USER_AGENT_MAX] if same_user else "",
        )

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        return self._row(self._get_or_create_session_key(), data, self.get_expiry_date())  # type: ignore[attr-defined]

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        key = await self._aget_or_create_session_key()  # type: ignore[attr-defined]
        return self._row(key, data, await self.aget_expiry_date())

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=digest(session_key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        await self.model.objects.filter(session_key=digest(session_key)).adelete()
