"""The search box of every page: the console over every case, the portal over the
customer's own; a case number typed goes straight to the case."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from casedesk.cases import finding
from casedesk.web.views.common import AuthedRequest, customer_required, staff_required
from casedesk.web.views.listing import filters_from, page_number


def _search(request: AuthedRequest, side: str) -> HttpResponse:
    filters = filters_from(request, default_state="all")
    text = filters.q
    case = finding.jump(request.user, text) if text and page_number(request) == 1 else None
    if case is not None:
        return redirect(reverse(f"{side}:case", kwargs={"number": case.number}))
    results = (
        finding.search(
            request.user,
            text,
            replace(finding.EVERYTHING, state=filters.state),
            page=page_number(request),
            size=settings.CASEDESK_PAGE_SIZE,
        )
        if text
        else None
    )
    return render(
        request,
        "web/search.html",
        {
            "side": side,
            "term": text,
            "search_page": True,
            "state": filters.state,
            "results": results,
            "has_next": results.has_next if results else False,
            "page": page_number(request),
            "case_url": reverse(f"{side}:case", kwargs={"number": "0"})[:-2],
        },
    )


@staff_required
def console_search(request: AuthedRequest) -> HttpResponse:
    return _search(request, "console")


@customer_required
def portal_search(request: AuthedRequest) -> HttpResponse:
    return _search(request, "portal")
