"""Who is signed in where: each session's row (see `models`), listed for its owner and
ended on request. Ending a session deletes its row, so its cookie finds nothing on the
next request and that browser is signed out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from casedesk.core import clock
from casedesk.rules.second_factor import bounded_user_agent, describe_user_agent
from casedesk.signin.models import SignInSession
from casedesk.signin.store import AUTH_USER, META, digest

SEEN_EVERY = 60  # seconds: a session's "last seen" is written at most this often
audit = logging.getLogger("casedesk.security")


@dataclass(frozen=True)
class SessionRow:
    id: str  # the row's key: a digest, never the cookie's value
    created_at: datetime | None
    last_seen_at: datetime | None
    ip: str | None
    browser: str
    user_agent: str
    current: bool


def note(request: HttpRequest) -> None:
    """Keep who, since when, from where and last seen in the session's data (the store
    copies it to the row's columns), writing at most once every `SEEN_EVERY` seconds."""
    session = request.session
    user_id = session.get(AUTH_USER)
    if user_id is None:
        return
    now = clock.now().timestamp()
    ip = (request.META.get("REMOTE_ADDR") or "")[:45] or None
    agent = bounded_user_agent(request.META.get("HTTP_USER_AGENT", ""))
    meta = session.get(META) or {}
    if str(meta.get("user")) != str(user_id):
        meta = {"user": str(user_id), "created": now}
    elif now - float(meta.get("seen") or 0) < SEEN_EVERY and meta.get("ip") == ip and meta.get("ua") == agent:
        return
    session[META] = {**meta, "seen": now, "ip": ip, "ua": agent}


def current_id(request: HttpRequest) -> str:
    return digest(request.session.session_key)


def sessions_of(user: Any, *, current: str) -> list[SessionRow]:
    rows = SignInSession.objects.filter(user=user, expire_date__gt=clock.now()).order_by(
        "-last_seen_at", "-created_at"
    )
    return [
        SessionRow(
            id=row.session_key,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            ip=row.ip,
            browser=describe_user_agent(row.user_agent),
            user_agent=row.user_agent,
            current=row.session_key == current,
        )
        for row in rows[:100]
    ]


def end(user: Any, session_id: str) -> bool:
    """End one of the user's sessions (another's id ends nothing)."""
    with transaction.atomic():
        ended, _ = SignInSession.objects.filter(user=user, session_key=session_id).delete()
    if ended:
        audit.info("session ended", extra={"user": user.pk})
    return bool(ended)


def end_others(user: Any, *, keep: str) -> int:
    """End every session of the user but `keep` (the one asking)."""
    with transaction.atomic():
        ended, _ = SignInSession.objects.filter(user=user).exclude(session_key=keep).delete()
    if ended:
        audit.info("other sessions ended", extra={"user": user.pk, "sessions": ended})
    return int(ended)
