"""Issue an API token: `manage.py api_token EMAIL [--name N] [--days D]`.

Prints only the token, once; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casedesk.accounts import selectors as accounts
from casedesk.api.models import ApiToken, digest
from casedesk.core import clock

NAME_MAX = 100  # ApiToken.name


class Command(BaseCommand):
    help = "Issue an API token for the user with this email address and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address.")
        parser.add_argument("--name", default="", help="What the token is for, to tell tokens apart.")
        parser.add_argument("--days", type=int, default=90, help="Expire after this many days (default 90).")

    def handle(self, *args: Any, email: str, name: str, days: int, **options: Any) -> None:
        user = accounts.user_by_email(email)
        if user is None:
            raise CommandError(f"No user has the email address {email!r}.")
        if not user.is_active:
            raise CommandError(f"The account {user.email} is disabled; enable it before issuing a token.")
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        if len(name) > NAME_MAX:
            raise CommandError(f"--name is too long: at most {NAME_MAX} characters.")
        raw = ApiToken.new_raw()
        now = clock.now()
        ApiToken.objects.create(
            user=user,
            key_digest=digest(raw),
            prefix=raw[:12],
            name=name,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        self.stdout.write(raw)
