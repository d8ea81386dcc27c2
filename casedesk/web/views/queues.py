"""Console queues: the tabs with their counts, filters and sortable columns, saved views,
the rows alone for the live refresh (with an ETag), and bulk changes to selected cases."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.cases import selectors
from casedesk.cases.models import PRIORITY_CHOICES, STATUS_CHOICES, Channel
from casedesk.core.errors import Refused
from casedesk.rules.permissions import Ability
from casedesk.web.forms import BulkForm, SavedViewForm
from casedesk.web.views.common import AuthedRequest, form_errors, staff_required
from casedesk.web.views.listing import LIST_COLUMNS, case_url_prefix, filters_from, page_number
from casedesk.workbench import bulk, saved_views

# Column headers that sort, in the order shown: sort key, label.
SORTABLE = {"due": "Next deadline", "number": "Case", "priority": "Priority", "status": "Status"}
SORTABLE_AFTER = {"opened": "Opened", "updated": "Updated"}
ROW_COLUMNS = (
    *LIST_COLUMNS,
    "next_due_at",
    "needs_triage",
    "updated_at",
    "organisation__name",
    "team__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
)


def _rows(request: AuthedRequest, name: str) -> dict[str, Any]:
    sort = request.GET.get("sort", "")[:12]
    qs = (
        selectors.queue(request.user, name, filters_from(request), sort=sort)
        .select_related(None)
        .select_related("organisation", "team", "assignee")
        .only(*ROW_COLUMNS)
    )
    rows, has_next = selectors.page(qs, page_number(request), settings.CASEDESK_PAGE_SIZE)
    return {"cases": rows, "has_next": has_next, "case_url": case_url_prefix("console"), "sort": sort}


def _query(request: AuthedRequest, **changes: str) -> str:
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v})


def _sort_links(request: AuthedRequest, sort: str) -> list[dict[str, str]]:
    """Each sortable header: its link (ascending first, descending when already ascending)
    and the current direction for `aria-sort`."""
    links = []
    for key, label in {**SORTABLE, **SORTABLE_AFTER}.items():
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        links.append(
            {
                "key": key,
                "label": label,
                "href": "?" + _query(request, sort=f"-{key}" if sort == key else key),
                "aria": direction,
            }
        )
    return links


def _rows_html(request: AuthedRequest, rows: dict[str, Any]) -> tuple[str, str]:
    """The rows as the live refresh gets them, and their ETag."""
    body = render_to_string("console/_queue_rows.html", rows, request=request)
    return body, '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


@staff_required
def queue(request: AuthedRequest, name: str = "triage") -> HttpResponse:
    rows = _rows(request, name)
    rows_html, etag = _rows_html(request, rows)
    counts = selectors.queue_counts(request.user)
    sort_links = {link["key"]: link for link in _sort_links(request, rows["sort"])}
    teams = list(accounts.teams().only("id", "name"))
    return render(
        request,
        "console/queue.html",
        {
            **rows,
            "rows_html": rows_html,
            "rows_etag": etag,
            "queue_name": name,
            "queue_label": selectors.QUEUES[name],
            "tabs": [(key, label, counts.get(key)) for key, label in selectors.QUEUES.items()],
            "page": page_number(request),
            "filters": filters_from(request),
            "query": _query(request),
            "sort_links": sort_links,
            "priorities": PRIORITY_CHOICES,
            "statuses": STATUS_CHOICES,
            "channels": Channel.choices,
            "organisations": accounts.active_organisations().only("id", "name"),
            "platforms": accounts.active_platforms().only("id", "code", "name"),
            "teams": teams,
            "staff": accounts.active_staff().only("id", "first_name", "last_name", "email"),
            "my_teams": [t for t in teams if t.pk in selectors.team_ids_of(request.user)],
            "views": list(saved_views.views_for(request.user)),
            "bulk_changes": BulkForm.base_fields["change"].choices,  # type: ignore[attr-defined]
            "sees_cases": permissions.can(request.user, Ability.VIEW_CASES),
        },
    )


@staff_required
def queue_rows(request: AuthedRequest, name: str = "triage") -> HttpResponse:
    """The queue's rows alone, for the page's live refresh: 304 while they are unchanged."""
    body, etag = _rows_html(request, _rows(request, name))
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _back(request: AuthedRequest, name: str) -> HttpResponse:
    query = saved_views.clean_query(request.POST.get("query", ""))
    return redirect(reverse("console:queue_named", kwargs={"name": name}) + (f"?{query}" if query else ""))


@staff_required
@require_POST
def queue_bulk(request: AuthedRequest, name: str) -> HttpResponse:
    if name not in selectors.QUEUES:
        raise Refused(f"No queue {name!r}.")
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, name)
    data = form.cleaned_data
    req = bulk.Request(
        change=bulk.Change(data["change"]),
        assignee=data["assignee"],
        team=data["team"],
        priority=data["priority"],
        to=data["to"],
        note=data["note"],
        resolution=data["resolution"],
        main_case=data["main_case"],
    )
    try:
        outcome = bulk.apply(request.user, request.POST.getlist("cases"), req)
    except Refused as exc:
        messages.error(request, str(exc))
        return _back(request, name)
    if outcome.done:
        messages.success(request, f"Changed {len(outcome.done)} case(s): {', '.join(outcome.done)}.")
    for number, why in outcome.refused:
        messages.error(request, f"{number} not changed: {why}")
    return _back(request, name)


@staff_required
@require_POST
def view_save(request: AuthedRequest) -> HttpResponse:
    form = SavedViewForm(request.POST, teams=request.user.teams.all())
    queue_name = request.POST.get("queue", "open")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, queue_name if queue_name in selectors.QUEUES else "open")
    data = form.cleaned_data
    try:
        view = saved_views.save_view(
            request.user, name=data["name"], queue=data["queue"], query=data["query"], team=data["team"]
        )
    except Refused as exc:
        messages.error(request, str(exc))
        return _back(request, data["queue"])
    shared = f" for the {view.team.name} team" if view.team else ""
    messages.success(request, f"View “{view.name}” saved{shared}.")
    return _back(request, view.queue)


@staff_required
@require_POST
def view_delete(request: AuthedRequest, view_id: int) -> HttpResponse:
    saved_views.delete_view(request.user, view_id)
    messages.success(request, "View removed.")
    name = request.POST.get("queue", "open")
    return redirect(
        reverse("console:queue_named", kwargs={"name": name if name in selectors.QUEUES else "open"})
    )
