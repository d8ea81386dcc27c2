"""Saved views: an agent names a queue with its filters and sort, for themselves or for a
team they belong to. The one write path of `SavedView`, and its reads."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.db.models import Q, QuerySet

from casedesk.accounts.models import Team, User
from casedesk.cases import selectors
from casedesk.cases.actions import clean_text
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.workbench.models import SavedView

# What a view keeps of the queue's query string: its filters and sort, never the page.
KEPT = frozenset(
    {"q", "status", "priority", "organisation", "platform", "team", "assignee", "channel", "sort"}
    | {"opened_from", "opened_to", "updated_from", "updated_to"}
)


def views_for(user: User) -> QuerySet[SavedView]:
    """The agent's own views and those of their teams, by name."""
    team_ids = selectors.team_ids_of(user)
    return SavedView.objects.filter(
        Q(owner=user, team__isnull=True) | Q(team_id__in=team_ids)
    ).select_related("team")


def clean_query(query: str) -> str:
    """The filters of a query string, in a stable order, empty values dropped."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in KEPT and v]
    return urlencode(sorted(pairs))[:1000]


def save_view(user: User, *, name: str, queue: str, query: str, team: Team | None = None) -> SavedView:
    """Save (or replace, under the same name) a view; a team view only for a team of the
    agent's."""
    name = clean_text(name, "view's name", required=True, limit=80)
    if queue not in selectors.QUEUES:
        raise Refused(f"No queue {queue!r}.")
    if team is not None and team.pk not in selectors.team_ids_of(user):
        raise Refused(f"You are not in the {team.name} team, so you cannot share a view with it.")
    values = {"queue": queue, "query": clean_query(query), "owner": user, "created_at": clock.now()}
    with transaction.atomic():
        if team is None:
            view, _ = SavedView.objects.update_or_create(owner=user, team=None, name=name, defaults=values)
        else:
            view, _ = SavedView.objects.update_or_create(team=team, name=name, defaults=values)
    return view


def delete_view(user: User, view_id: int) -> None:
    """Its owner removes a view (a team view: any member of the team)."""
    view = views_for(user).filter(pk=view_id).first()
    if view is None:
        raise NotFound("No such view.")
    if view.team_id is None and view.owner_id != user.pk:
        raise NotFound("No such view.")
    view.delete()
