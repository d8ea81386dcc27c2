"""The "Yes, it is fixed" link of a resolution notice: a page that shows what will be
confirmed, and a button that confirms it. Opening the link changes nothing (mail scanners
and previews open links); only the button does, once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casedesk.cases import actions, confirmation
from casedesk.core.errors import NotFound
from casedesk.web.views.common import error_page


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_resolution(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = confirmation.read(token)
    except NotFound as exc:
        return error_page(request, exc)
    if request.method == "POST":
        try:
            case = actions.confirm_resolution(link.case, by=link.contact, resolved_by=link.resolved_by)
        except NotFound as exc:  # confirmed, reopened or resolved again meanwhile
            return error_page(request, exc)
        return render(request, "web/confirm_done.html", {"case": case, "contact": link.contact})
    return render(request, "web/confirm_resolution.html", {"case": link.case, "contact": link.contact})
