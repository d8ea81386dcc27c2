"""Timeline changes for people to read, on pages (the API gives the raw values). The
timeline stores raw values (a status's value, a team's key); labels are made here, when
shown, so renaming a label never changes what an old case's history means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casedesk.accounts.models import Contact, Platform, Team, User
from casedesk.cases.models import APPROVAL_CHOICES, CaseEvent, Kind, Priority
from casedesk.rules.lifecycle import LABELS, Status

# Fields whose stored value is the key of a related row (a participant is a contact's key
# or, for an address, the address itself).
REFERENCES: dict[str, Any] = {"assignee": User, "team": Team, "platform": Platform, "participant": Contact}


def _status_label(value: Any) -> Any:
    try:
        return LABELS[Status(value)]
    except ValueError:
        return value  # an entry written before values were typed keeps its text


def _priority_label(value: Any) -> Any:
    try:
        return Priority(value).label
    except ValueError:
        return value


# A MACD request's fields, as people read them.
CHOICES: dict[str, dict[Any, str]] = {
    "kind": dict(Kind.choices),
    "approval": dict(APPROVAL_CHOICES),
    "service_level": {
        "standard": "Standard",
        "expedited": "Expedited",
        "expedited_24x7": "Expedited (24x7 team)",
    },
}
# What a MACD request's opening records that its page says better elsewhere.
HIDDEN_ON_MACD = {"priority", "kind"}


def label_changes(events: Sequence[CaseEvent], known: dict[str, dict[int, str]] | None = None) -> None:
    """Give each event `change_rows`: (field, old, new) as people read them; the rows the
    values refer to are read with one query per kind, whatever the number of events, unless
    `known` (labels the page read already, by field and key, as `str(row)`) has them all."""
    known = known or {}
    wanted: dict[str, set[int]] = {field: set() for field in REFERENCES}
    for event in events:
        for field, pair in (event.changes or {}).items():
            if field in REFERENCES:
                wanted[field].update(v for v in pair if isinstance(v, int) and not isinstance(v, bool))
    names: dict[str, dict[int, str]] = {}
    for field, pks in wanted.items():
        names[field] = {pk: known[field][pk] for pk in pks if pk in known.get(field, {})}
        missing = pks - names[field].keys()
        if missing:
            names[field].update(
                (row.pk, str(row)) for row in REFERENCES[field].objects.filter(pk__in=missing)
            )

    def show(field: str, value: Any) -> Any:
        if value is None:
            return None
        if field == "status":
            return _status_label(value)
        if field == "priority":
            return _priority_label(value)
        if field in CHOICES:
            return CHOICES[field].get(value, value)
        if field in REFERENCES and isinstance(value, int):
            return names.get(field, {}).get(value, f"#{value}")
        return value

    for event in events:
        event.change_rows = [  # type: ignore[attr-defined]
            (field, show(field, pair[0]), show(field, pair[1]))
            for field, pair in (event.changes or {}).items()
            if isinstance(pair, list)
            and len(pair) == 2
            and not (field in HIDDEN_ON_MACD and "kind" in (event.changes or {}))
        ]


def labelled(events: list[CaseEvent], known: dict[str, dict[int, str]] | None = None) -> list[CaseEvent]:
    """`events`, each given its `change_rows` (see `label_changes`)."""
    label_changes(events, known)
    return events
