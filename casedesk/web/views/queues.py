"""Console queues: the tabs with their counts, filters and sortable columns, saved views,
the rows alone for the live refresh (with an ETag), and bulk changes to selected cases."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.cases import selectors
from casedesk.cases.models import PRIORITY_CHOICES, STATUS_CHOICES, Channel
from casedesk.core import throttle
from casedesk.core.errors import Refused
from casedesk.rules.permissions import Ability
from casedesk.web import queue_rows as rows_markup
from casedesk.web.forms import BulkForm, SavedViewForm
from casedesk.web.views.common import AuthedRequest, form_errors, staff_required
from casedesk.web.views.listing import LIST_COLUMNS, case_url_prefix, filters_from, page_number
from casedesk.workbench import bulk, saved_views

FILTER_KEYS = saved_views.KEPT - {"sort"}
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
    body = rows_markup.render(rows["cases"], rows["case_url"])
    return body, '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _count_label(count: int | None) -> str | None:
    if count is None:
        return None
    return f"{selectors.COUNT_CAP:,}+" if count > selectors.COUNT_CAP else f"{count:,}"


def _organisation_hint(request: AuthedRequest, ref: str) -> tuple[str, list[Any]]:
    """When a typed organisation names none exactly (no script to pick from the list), what
    it could have meant: one look-up, made only when the filtered queue came back empty."""
    candidates = accounts.suggest_organisations(request.user, ref, limit=6)
    if any(ref.lower() in {o.name.lower(), o.account_number.lower()} for o in candidates):
        return "", []
    if not candidates:
        return f"No organisation is named “{ref}” or has that account number.", []
    return f"No organisation is named exactly “{ref}”. Did you mean:", [
        {"org": o, "href": "?" + _query(request, organisation=o.name)} for o in candidates
    ]


@staff_required
def queue(request: AuthedRequest, name: str = "triage") -> HttpResponse:
    # The teams first: the team queue and the saved views need the user's own.
    teams = accounts.teams_marking_mine(request.user)
    selectors.remember_team_ids(request.user, [t.pk for t in teams if t.mine])  # type: ignore[attr-defined]
    rows = _rows(request, name)
    rows_html, etag = _rows_html(request, rows)
    counts = selectors.queue_counts(request.user)
    sort_links = {link["key"]: link for link in _sort_links(request, rows["sort"])}
    filters = filters_from(request)
    hint: str = ""
    hint_choices: list[Any] = []
    if filters.organisation_ref and not rows["cases"]:
        hint, hint_choices = _organisation_hint(request, filters.organisation_ref)
        if len(hint_choices) == 1:  # only one organisation it can mean: show that one
            org, typed = hint_choices[0]["org"], filters.organisation_ref
            messages.info(request, f"Showing {org.name} ({org.account_number}) for “{typed}”.")
            return redirect(request.path + hint_choices[0]["href"])
    return render(
        request,
        "console/queue.html",
        {
            **rows,
            "rows_html": rows_html,
            "rows_etag": etag,
            "queue_name": name,
            "queue_label": selectors.QUEUES[name],
            "tabs": [(key, label, _count_label(counts.get(key))) for key, label in selectors.QUEUES.items()],
            "page": page_number(request),
            "filters": filters,
            "organisation_hint": hint,
            "organisation_choices": hint_choices,
            "query": _query(request),
            # The saved view these filters are, if any (marked among the views).
            "view_query": saved_views.clean_query(_query(request)),
            "filter_count": sum(1 for key, value in request.GET.items() if key in FILTER_KEYS and value),
            "sort_links": sort_links,
            "priorities": PRIORITY_CHOICES,
            "statuses": STATUS_CHOICES,
            "channels": Channel.choices,
            "platforms": accounts.active_platforms().only("id", "code", "name"),
            "teams": teams,
            "staff": accounts.active_staff().only("id", "first_name", "last_name", "email"),
            "my_teams": [t for t in teams if t.mine],  # type: ignore[attr-defined]
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
        # A reason that names the case already reads without the number twice.
        messages.error(request, f"Not changed: {why}" if number in why else f"{number} not changed: {why}")
    return _back(request, name)


# Type-ahead look-ups a staff member may make in a minute: typing fast with a short pause
# between keys stays far below it; a script walking the organisations does not.
SUGGEST_PER_MINUTE = 120


@staff_required
@require_GET
def organisation_suggest(request: AuthedRequest) -> HttpResponse:
    """Organisations whose name or account number matches what is typed, for the queue's
    organisation filter (JSON; at most ten). Rate-limited per staff member."""
    key = throttle.key("org-suggest", str(request.user.pk))
    if throttle.hit(key, 60) > SUGGEST_PER_MINUTE:
        response = JsonResponse(
            {"organisations": [], "error": "Too many look-ups; wait a minute."}, status=429
        )
        response["Retry-After"] = "60"
        return response
    found = accounts.suggest_organisations(request.user, request.GET.get("q", ""))
    response = JsonResponse(
        {
            "organisations": [
                {"name": o.name, "account_number": o.account_number, "active": o.active} for o in found
            ]
        }
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


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
