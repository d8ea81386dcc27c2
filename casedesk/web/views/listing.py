"""Query-string filters and paging shared by the portal list and the console queues."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.urls import reverse

from casedesk.cases.selectors import CaseFilters


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(request: HttpRequest, *, default_state: str = "open") -> CaseFilters:
    get = request.GET
    state = get.get("state", default_state)
    return CaseFilters(
        state=state if state in {"open", "closed", "all"} else default_state,
        status=get.get("status", "")[:24],
        priority=get.get("priority", "")[:3],
        platform=get.get("platform", "")[:40],
        q=get.get("q", "").strip()[:200],
        # A name or account number, as typed or picked from the type-ahead.
        organisation_ref=" ".join(get.get("organisation", "").split())[:200],
        assignee=_int(get.get("assignee")),
        team=_int(get.get("team")),
        channel=get.get("channel", "")[:10],
        kind=get.get("kind", "") if get.get("kind", "") in {"support", "macd"} else "",
        opened_from=_day(get.get("opened_from")),
        opened_to=_day(get.get("opened_to")),
        updated_from=_day(get.get("updated_from")),
        updated_to=_day(get.get("updated_to")),
    )


# What a list row shows of a case: lists load these columns only.
LIST_COLUMNS = ("id", "title", "priority", "status", "opened_at", "kind", "approval")


def case_url_prefix(side: str) -> str:
    """`/portal/cases/` or `/console/cases/`: rows append the number, instead of reversing a
    URL per row."""
    return reverse(f"{side}:case", kwargs={"number": "0"})[:-2]
