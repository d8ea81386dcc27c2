"""Bearer-token authentication: `Authorization: Bearer <token>`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from casedesk.accounts.models import StaffRole, User
from casedesk.accounts.permissions import act_for_account, actor_for, is_staff, remember_role
from casedesk.api.models import ApiToken, digest
from casedesk.core import clock
from casedesk.core.errors import NotFound
from casedesk.core.prepared import Prepared

# A partner's program names, on each request, the customer it acts for (none: as itself).
CUSTOMER_HEADER = "X-Casedesk-Customer"

# last_used_at is a hint for whoever reviews tokens, not an audit log: write it at most
# once a minute so busy clients do not turn every read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


# Read for every request: the token, its user and (for staff) the abilities of the user's
# role, in one statement built once per process (`core.prepared`).
_TOKEN: Prepared[ApiToken] = Prepared(
    lambda key: (
        ApiToken.objects.select_related("user")
        .filter(key_digest=key)
        .order_by()  # one row at most: the digest is unique
        .annotate(
            role_abilities=Subquery(
                StaffRole.objects.filter(key=OuterRef("user__staff_role")).values("abilities")[:1]
            )
        )
    )
)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        token = token.strip()
        if not token:
            raise AuthenticationError(message="Send an API token: Authorization: Bearer <token>.")
        found = _TOKEN(digest(token))
        api_token = found[0] if found else None
        if api_token is None:
            raise AuthenticationError(message="The API token is not valid.")
        now = clock.now()
        if api_token.revoked:
            raise AuthenticationError(message="The API token has been revoked.")
        if api_token.expires_at is not None and api_token.expires_at <= now:
            raise AuthenticationError(
                message=f"The API token expired at {api_token.expires_at.isoformat(timespec='seconds')}."
            )
        user = api_token.user
        if not user.is_active:
            raise AuthenticationError(message="The account this API token belongs to is disabled.")
        annotated: Any = api_token  # read by _TOKEN with its role's abilities
        remember_role(user, annotated.role_abilities)
        actor_for(user)  # Forbidden (403) for an account that is neither staff nor a customer contact
        customer = request.headers.get(CUSTOMER_HEADER, "").strip()
        if customer and (is_staff(user) or not act_for_account(user, customer[:40])):
            # As a page would: another organisation's account number does not exist.
            raise NotFound(f"No customer with account number {customer[:40]} is yours to act for.")
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return user


def user_of(request: HttpRequest) -> User:
    """The user the request's token belongs to (set by BearerToken)."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User)
    return user
