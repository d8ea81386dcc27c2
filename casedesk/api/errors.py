"""Every error the API returns is JSON with a `detail` a person can read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from casedesk.core.errors import Refused


class BodyError(ValueError):
    """The request body is not a JSON object; the message says what is wrong with it."""


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise BodyError("The request body is not UTF-8 text; send JSON.") from None
        except json.JSONDecodeError as exc:
            raise BodyError(
                f"The request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        if not isinstance(data, dict):
            raise BodyError("The request body must be a JSON object.")
        return data


def _field(loc: Sequence[Any]) -> str:
    # ("body", "payload", "title") -> "title"; ("query", "page_size") -> "page_size"
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    if parts:
        return ".".join(parts)
    return "request body (a JSON object)" if loc and loc[0] == "body" else "request"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Refused)
    def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message
        if message == "Unauthorized":  # no header, or not a bearer token
            message = "Authentication required: send the header Authorization: Bearer <token>."
        response = api.create_response(request, {"detail": message}, status=exc.status_code)
        response["WWW-Authenticate"] = 'Bearer realm="casedesk"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        message = str(cause) if isinstance(cause, BodyError) else exc.message
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors
        ]
        problems = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in errors)
        detail = f"The request is not valid: {problems}." if problems else "The request is not valid."
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)
