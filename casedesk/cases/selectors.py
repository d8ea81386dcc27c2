"""Every read of cases, scoped by who asks. Views and API list cases only through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from casedesk.accounts.models import Contact, User
from casedesk.accounts.permissions import (
    abilities_of,
    act_for,
    acting_for,
    customer_contact,
    is_staff,
    reachable_organisations,
)
from casedesk.accounts.selectors import organisations_named
from casedesk.cases.models import OPEN_Q, Attachment, Case, CaseEvent, Participant, pk_from_number
from casedesk.core import clock
from casedesk.core.errors import NotFound
from casedesk.core.paging import page
from casedesk.core.prepared import Prepared
from casedesk.rules import permissions as rules
from casedesk.rules.lifecycle import CLOSED_STATUSES
from casedesk.rules.permissions import Ability


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """All cases for staff whose role sees cases; for a main point of contact the
    organisation's; for another contact those they take part in; nothing for anyone else.
    A partner's user, as themselves, also sees every case of each customer they may see the
    cases of (one queue); acting for one customer, that customer's as its delegate."""
    if sees_every_case(user):
        return Case.objects.all()
    held, contact = abilities_of(user), customer_contact(user)
    if contact is None:
        return Case.objects.none()
    mine = Q(organisation_id=contact.organisation_id)
    if not rules.sees_case(held, same_organisation=True, involved=False):
        mine = mine & involving(contact) if Ability.VIEW_OWN_CASES in held else Q(pk__in=[])
    if acting_for(user) is None:
        managed = reachable_organisations(user, Ability.VIEW_ORGANISATION_CASES)
        if managed:
            mine = mine | Q(organisation_id__in=managed)
    return Case.objects.filter(mine)


def sees_every_case(user: Any) -> bool:
    """Staff whose role sees cases: `cases_visible_to` is every case."""
    return is_staff(user) and Ability.VIEW_CASES in abilities_of(user)


def involving(contact: Contact) -> Q:
    """The cases a contact takes part in: they are its contact, they wrote on it, they are
    copied on it (a participant, as a contact or by their address), or their address is on
    its e-mail thread (sent or received). Only ever applied within their own organisation's
    cases, so an address copied on another organisation's case shows them nothing."""
    from casedesk.outbox.models import MessageLink

    address = (contact.email or "").strip().lower()
    copied = Q(contact_id=contact.pk) | Q(address=address) if address else Q(contact_id=contact.pk)
    return (
        Q(contact_id=contact.pk)
        | Q(pk__in=CaseEvent.objects.filter(contact_id=contact.pk).values("case_id"))
        | Q(pk__in=Participant.objects.filter(copied).values("case_id"))
        | Q(pk__in=MessageLink.objects.filter(address__iexact=contact.email).values("case_id"))
    )


def participants(case: Case) -> list[Participant]:
    """Who is copied on the case besides its contact, in the order they were added."""
    return list(case.participants.select_related("contact", "added_by", "added_by_contact"))


def get_case(
    user: Any,
    number: str,
    *,
    for_update: bool = False,
    with_related: tuple[str, ...] = (),
    annotate: Callable[[], dict[str, Any]] | None = None,
) -> Case:
    """The case with this number, if `user` may see it; otherwise NotFound, never 403,
    so another organisation's case numbers reveal nothing. `with_related` and `annotate`
    (a function giving the annotations): what a page reads in the same statement (the
    organisation's partner, whether there is anything to list)."""
    pk = pk_from_number(number)
    if pk is None:
        raise NotFound("No such case.")
    marks = annotate or dict
    # The case with its related rows: one statement per shape, built once per process and
    # planned once per connection (`core.prepared`); planning its joins together with a
    # customer's visibility took 2 ms, ten times running them.
    key = (with_related, marks)
    read = _EVERY_CASE.get(key)
    if read is None:
        read = _EVERY_CASE.setdefault(
            key, Prepared(lambda pk: _case_rows(Case.objects.all(), with_related, marks).filter(pk=pk))
        )
    found = read(pk)
    case = found[0] if found else None
    if case is not None and not sees_every_case(user) and not cases_visible_to(user).filter(pk=pk).exists():
        case = None  # who may see it is for `cases_visible_to` alone to say, as for every list
    if case is None:
        raise NotFound("No such case.")
    contact = customer_contact(user)
    if contact is not None and contact.organisation_id != case.organisation_id:
        # A partner's user opened a customer's case from the one queue: in this request
        # they act for that customer, so what they do on it is recorded as its delegate.
        act_for(user, case.organisation_id)
    return case


_EVERY_CASE: dict[tuple[Any, ...], Prepared[Case]] = {}


def _case_rows(
    qs: QuerySet[Case], with_related: tuple[str, ...], marks: Callable[[], dict[str, Any]]
) -> QuerySet[Case]:
    related = ("organisation", "contact", "platform", "team", "assignee", *with_related)
    return qs.select_related(*related).annotate(**marks())


TIMELINE_RELATED = ("actor", "contact__organisation", "contact__delegate_of__organisation")


def timeline_rows(case_id: int, user: Any) -> QuerySet[CaseEvent]:
    """The case's events in order, with their authors; customers see only public ones."""
    events = CaseEvent.objects.filter(case_id=case_id).select_related(*TIMELINE_RELATED)
    return events if is_staff(user) else events.filter(public=True)


def timeline(case: Case, user: Any) -> list[CaseEvent]:
    """The case's events in order, each with its attachments; customers see only public ones."""
    events = case.events.select_related(*TIMELINE_RELATED).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if not is_staff(user):
        events = events.filter(public=True)
    return list(events)


def attachment_for(user: Any, attachment_id: int) -> Attachment:
    qs = Attachment.objects.select_related("case").filter(pk=attachment_id, case__in=cases_visible_to(user))
    if not is_staff(user):
        qs = qs.filter(public=True)
    attachment = qs.first()
    if attachment is None:
        raise NotFound("No such attachment.")
    return attachment


@dataclass(frozen=True)
class CaseFilters:
    state: str = "open"  # open | closed | all
    status: str = ""
    priority: str = ""
    platform: str = ""  # platform code
    q: str = ""
    organisation: int | None = None
    organisation_ref: str = ""  # an organisation's name or account number, as typed
    assignee: int | None = None
    team: int | None = None
    channel: str = ""
    kind: str = ""  # support | macd
    opened_from: date | None = None  # inclusive days, in the desk's time zone
    opened_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_cases(qs: QuerySet[Case], f: CaseFilters) -> QuerySet[Case]:
    if f.state == "open":
        qs = qs.filter(OPEN_Q)
    elif f.state == "closed":
        qs = qs.filter(status__in=[s.value for s in CLOSED_STATUSES])
    if f.status:
        qs = qs.filter(status=f.status)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.platform:
        qs = qs.filter(platform__code=f.platform)
    if f.organisation:
        qs = qs.filter(organisation_id=f.organisation)
    if f.organisation_ref:
        # A scalar subquery (one organisation or none), so the planner reads the queue's
        # per-organisation index in deadline order, whatever the organisation's size.
        qs = qs.filter(organisation_id=Subquery(organisations_named(f.organisation_ref)[:1]))
    if f.assignee:
        qs = qs.filter(assignee_id=f.assignee)
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    for field, start, end in (
        ("opened_at", f.opened_from, f.opened_to),
        ("updated_at", f.updated_from, f.updated_to),
    ):
        if start:
            qs = qs.filter(**{f"{field}__gte": _day_start(start)})
        if end:
            qs = qs.filter(**{f"{field}__lt": _day_start(end + timedelta(days=1))})
    if f.q:
        pk = pk_from_number(f.q)
        text = Q(title__icontains=f.q)
        qs = qs.filter(text | Q(pk=pk)) if pk is not None else qs.filter(text)
    return qs


LIST_RELATED = ("organisation", "contact", "platform", "assignee", "team")


def portal_cases(user: Any, f: CaseFilters) -> QuerySet[Case]:
    """The customer's organisation's cases, newest first."""
    return filter_cases(cases_visible_to(user), f).select_related(*LIST_RELATED).order_by("-id")


QUEUES = {
    "triage": "Needs triage",
    "mine": "Mine",
    "team": "My team",
    "soon": "Breaching soon",
    "macd": "MACD requests",
    "open": "All open",
    "closed": "Closed",
    "all": "All cases",
}
# Open cases only: a closed count would read the table.
COUNTED = ("triage", "mine", "team", "soon", "macd", "open")
# Tab counts stop here ("1,000+"): each is an index-only range scan that ends at the cap, so
# the tabs cost the same however many cases are open. A queue past a thousand open cases is
# a workload signal, not a number to read exactly (the reports count them all); at 10,000 the
# six counts were the largest part of a queue page's statements at a million cases (5-8 ms).
COUNT_CAP = 1_000
SOON = timedelta(hours=1)

# Sortable columns: a sort key to the fields it orders by; `-key` sorts descending. The
# default (deadline) follows the stored deadline's indexes; the others sort the filtered set.
SORTS = {
    "due": ("next_due_at", "id"),
    "number": ("id",),
    "priority": ("priority", "id"),
    "status": ("status", "id"),
    "opened": ("opened_at", "id"),
    "updated": ("updated_at", "id"),
}


def _ordering(sort: str, name: str) -> list[Any]:
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key not in SORTS:
        # Closed cases have no deadline: newest first, along the primary key.
        return ["-id"] if name in {"closed", "all"} else _ordering("due", name)
    # Only the deadline may be empty; naming NULLS LAST on the other columns would keep a
    # descending sort from reading its index backwards.
    return [
        (F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True))
        if field == "next_due_at"
        else (F(field).desc() if descending else F(field).asc())
        for field in SORTS[key]
    ]


def team_ids_of(user: User) -> list[int]:
    """The ids of the user's teams, read once per request (kept on the user object)."""
    if not hasattr(user, "_casedesk_team_ids"):
        user._casedesk_team_ids = list(user.teams.values_list("id", flat=True))  # type: ignore[attr-defined]
    return list(user._casedesk_team_ids)  # type: ignore[attr-defined]


def remember_team_ids(user: User, ids: list[int]) -> None:
    """The user's teams as a page already read them (`accounts.teams_marking_mine`)."""
    if not hasattr(user, "_casedesk_team_ids"):
        user._casedesk_team_ids = list(ids)  # type: ignore[attr-defined]


def _scope(user: User, name: str) -> Q:
    """What puts a case in the queue `name` (open ones: every queue but closed and all)."""
    if name == "triage":
        return Q(needs_triage=True)
    if name == "mine":
        return Q(assignee=user)
    if name == "team":
        # A list of ids, not a subquery: the planner then uses the per-team index.
        return Q(team_id__in=team_ids_of(user))
    if name == "soon":
        # Overdue or due within the hour: the case_open_due index range.
        return Q(next_due_at__lte=clock.now() + SOON)
    if name == "macd":
        return Q(kind="macd")  # the case_macd_due index
    if name in {"open", "closed", "all"}:
        return Q()
    raise NotFound(f"No queue {name!r}.")


def queue(user: User, name: str, f: CaseFilters | None = None, sort: str = "") -> QuerySet[Case]:
    """A console queue, soonest deadline first (cases with no deadline after, oldest first)
    unless `sort` names another column; Closed and All cases newest first."""
    qs = cases_visible_to(user)
    if name == "closed":
        qs = qs.filter(status__in=[s.value for s in CLOSED_STATUSES])
    elif name != "all":
        qs = qs.filter(OPEN_Q)
    qs = qs.filter(_scope(user, name))
    if f is not None:
        qs = filter_cases(qs, CaseFilters(**{**f.__dict__, "state": "any"}))
    return qs.select_related(*LIST_RELATED).order_by(*_ordering(sort, name))


def queue_counts(user: User) -> dict[str, int]:
    """How many open cases each open queue holds (up to COUNT_CAP + 1), in one statement:
    a counted subquery per queue, each read from that queue's own partial index (one
    aggregate with a filter per queue would read every open case)."""
    base = cases_visible_to(user).filter(OPEN_Q).order_by()
    parts: list[str] = []
    params: list[Any] = []
    for name in COUNTED:
        try:
            counted = base.filter(_scope(user, name)).values("pk")[: COUNT_CAP + 1]
            sql, values = counted.query.sql_with_params()
        except EmptyResultSet:  # nothing can match (no teams; a role that sees no cases)
            parts.append("0")
            continue
        # The subquery is the ORM's own SQL with its parameters kept apart; `name` is a key
        # of COUNTED.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{name})")  # noqa: S608
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(COUNTED, (int(n) for n in row), strict=True))


__all__ = ["page"]  # the lists page through here
