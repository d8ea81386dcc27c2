from __future__ import annotations

import json
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client

from casedesk.accounts.models import User

BASE = "/api/v1"


def issue_token(user: User, *args: str) -> str:
    out = StringIO()
    call_command("api_token", user.email, *args, stdout=out)
    return out.getvalue().strip()


class Api:
    """A django.test.Client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(BASE + path, params, **self.headers)

    def post(self, path: str, data: Any = None, *, raw: str | bytes | None = None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(BASE + path, body, content_type="application/json", **self.headers)

    def patch(self, path: str, data: Any = None):
        body = json.dumps(data if data is not None else {})
        return self.client.patch(BASE + path, body, content_type="application/json", **self.headers)


def api_for(user: User) -> Api:
    return Api(issue_token(user))
