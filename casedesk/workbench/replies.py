"""Saved replies (canned responses): an agent's own, their teams' and everyone's, with
placeholders filled from the case. Managed in the admin; read here."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from casedesk.accounts.models import User
from casedesk.cases import selectors
from casedesk.cases.models import Case
from casedesk.workbench.models import SavedReply

PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
PLACEHOLDERS = (
    "{contact.first_name}",
    "{contact.name}",
    "{contact.email}",
    "{case.number}",
    "{case.title}",
    "{case.status}",
    "{case.priority}",
    "{case.platform}",
    "{organisation.name}",
    "{agent.first_name}",
    "{agent.name}",
)


def replies_for(user: User) -> QuerySet[SavedReply]:
    team_ids = selectors.team_ids_of(user)
    return SavedReply.objects.filter(
        Q(owner=user) | Q(team_id__in=team_ids) | Q(owner__isnull=True, team__isnull=True)
    ).select_related("team")


def _first(name: str) -> str:
    return (name or "").split(" ")[0]


def values_for(case: Case, agent: User) -> dict[str, str]:
    """What each placeholder stands for on `case`, written by `agent`. A fixed table, never
    attribute access from the template text, so a reply cannot reach anything else."""
    contact = case.contact
    return {
        "contact.first_name": _first(contact.name),
        "contact.name": contact.name,
        "contact.email": contact.email or "",
        "case.number": case.number,
        "case.title": case.title,
        "case.status": case.status_label,
        "case.priority": case.get_priority_display(),
        "case.platform": case.platform.name if case.platform is not None else "",
        "organisation.name": case.organisation.name,
        "agent.first_name": agent.first_name or _first(agent.display_name),
        "agent.name": agent.display_name,
    }


def fill(body: str, values: dict[str, str]) -> str:
    """The reply with its known placeholders replaced; unknown ones are left as typed."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def filled_for(user: User, case: Case) -> list[dict[str, Any]]:
    """The user's saved replies, each filled in for `case`."""
    rows = [{"id": r.pk, "title": r.title, "team": r.team, "body": r.body} for r in replies_for(user)]
    return filled(rows, user, case)


def filled(rows: list[dict[str, Any]], user: User, case: Case) -> list[dict[str, Any]]:
    """Saved replies as read (`id`, `title`, `team`, `body`), each filled in for `case`."""
    if not rows:
        return []
    values = values_for(case, user)
    return [
        {"id": r["id"], "title": r["title"], "team": r["team"], "text": fill(r["body"], values)} for r in rows
    ]
