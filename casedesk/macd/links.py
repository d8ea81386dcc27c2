"""Approvers' e-mailed links: a random token per approver, of which only the SHA-256 is kept;
single-use and expiring (checked again under the row lock when used)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings


def new_token(now: datetime) -> tuple[str, str, datetime]:
    """(token for the link, its digest to store, when it expires)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token), now + timedelta(hours=settings.CASEDESK_MACD_APPROVAL_LINK_HOURS)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(stored: str, token: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored, digest(token))


def url(token: str, decision: str) -> str:
    return f"{settings.CASEDESK_BASE_URL}/macd/approval/{token}/?decision={decision}"
