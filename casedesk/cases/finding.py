"""Search over cases, scoped by who asks: staff over every case, open or closed; a main
point of contact over their organisation's; another contact over the cases they take part
in. The index and its engines are `casedesk.search`; the scope comes from the selectors."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django.utils.safestring import SafeString

from casedesk.accounts.permissions import (
    abilities_of,
    acting_for,
    customer_contact,
    is_staff,
    reachable_organisations,
)
from casedesk.cases.models import Case
from casedesk.cases.selectors import LIST_RELATED, CaseFilters, cases_visible_to, filter_cases, get_case
from casedesk.core.errors import NotFound
from casedesk.rules import permissions as rules
from casedesk.rules.permissions import Ability
from casedesk.search import index
from casedesk.search.text import MARK_END, MARK_START, Scope, highlighted, number_digits

EVERYTHING = CaseFilters(state="all")
WHOLE_NUMBER = re.compile(r"^\s*(?:[A-Za-z]{1,6}-\d+|\d{6,})\s*$")


@dataclass(frozen=True)
class Hit:
    case: Case
    title: SafeString  # the title with the matched words marked
    snippet: SafeString  # a fragment of description and comments, marked
    number: SafeString  # the number, with the digits typed marked


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    has_next: bool
    # What was searched: the typed words, or the nearest words of titles when those matched
    # nothing (a typo); `corrected` says which.
    text: str = ""
    corrected: bool = False


def jump(user: Any, text: str) -> Case | None:
    """The case a typed case number names, if the user may see it: with its prefix
    (`CS-000123`, `cs-123`) or all its digits (`000123`). Fewer digits without the prefix
    (`1234`) are a search, as they may be part of many numbers."""
    match = WHOLE_NUMBER.match(text)
    if match is None:
        return None
    try:
        return get_case(user, text)
    except NotFound:
        return None


def _scope(user: Any, f: CaseFilters) -> Scope | None:
    f = replace(f, q="")  # the words are the index's to match
    narrowed = f != EVERYTHING
    if is_staff(user):
        if Ability.VIEW_CASES not in abilities_of(user):
            return None
        within = filter_cases(Case.objects.all(), f).values("pk") if narrowed else None
        return Scope(f.organisation, _sql(within))
    contact = customer_contact(user)
    if contact is None:
        return None
    whole_organisation = rules.sees_case(abilities_of(user), same_organisation=True, involved=False)
    if acting_for(user) is None and reachable_organisations(user, Ability.VIEW_ORGANISATION_CASES):
        # A partner's one queue spans its customers: the cases it sees bound the search.
        return Scope(None, _sql(filter_cases(cases_visible_to(user), f).values("pk")))
    within = (
        filter_cases(cases_visible_to(user), f).values("pk") if narrowed or not whole_organisation else None
    )
    return Scope(contact.organisation_id, _sql(within))


def _sql(qs: Any) -> tuple[str, Any] | None:
    return qs.query.sql_with_params() if qs is not None else None


def _number(case: Case, digits: str) -> SafeString:
    number = case.number
    at = number.rfind(digits) if digits else -1
    if at < 0:
        return highlighted(number)
    return highlighted(f"{number[:at]}{MARK_START}{digits}{MARK_END}{number[at + len(digits) :]}")


def search(user: Any, text: str, f: CaseFilters = EVERYTHING, *, page: int = 1, size: int = 25) -> Results:
    """One page of the cases matching `text`, best first, with marked snippets for that
    page only; `f` narrows further (state, status, organisation, ...)."""
    scope = _scope(user, f)
    if scope is None:
        return Results([], False)
    found = index.find(text, scope, page=page, size=size)
    if not found.ids:
        return Results([], False)
    rows = Case.objects.filter(pk__in=found.ids).select_related(*LIST_RELATED).in_bulk()
    marked = index.snippets(found.text, found.ids)
    hits, digits = [], number_digits(text)
    for pk in found.ids:
        if pk not in rows:
            continue
        title, snippet = marked.get(pk, (None, None))
        hits.append(
            Hit(rows[pk], title or SafeString(""), snippet or SafeString(""), _number(rows[pk], digits))
        )
    return Results(hits, found.has_next, found.text, found.corrected)
