"""A rebiller's brand in the portal: its colours as a stylesheet of custom properties (the
strict policy allows our own stylesheets, never inline styles) and its logo. Only those
who see the brand get them; anyone else is told there is no such brand."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from casedesk.branding import brands
from casedesk.core.errors import NotFound
from casedesk.rules import branding as rules

IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    # The address carries the brand's version: a change is a new address.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_safe
def colours(request: HttpRequest, brand_id: int) -> HttpResponseBase:
    brand = brands.visible(request.user, brand_id)
    css = rules.stylesheet(brand.primary_colour, brand.accent_colour)
    return _private(HttpResponse(css, content_type="text/css; charset=utf-8"))


@require_safe
def logo(request: HttpRequest, brand_id: int) -> HttpResponseBase:
    brand = brands.visible(request.user, brand_id)
    if not brand.logo or brand.logo_type not in IMAGE_TYPES:
        raise NotFound("This brand has no logo.")
    response = FileResponse(brand.logo.open("rb"), content_type=brand.logo_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _private(response)
