"""The case pages' reads, each made once: the short lists of the page's sections in one
statement (`Lists`), the timeline with its files and e-mail originals, the organisation's
contacts for every card that lists them.

A case page shows a dozen short lists (teams and staff to route to, the organisation's
platforms and escalation contacts, the case's links, participants, files, escalation
levels, the agent's saved replies). Read one by one they were most of the page's queries;
here each is one part of a UNION ALL of rows of the same shape, so the page costs the same
number of queries whatever it shows and however long its lists are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from casedesk.accounts.models import Contact, EscalationContact, Platform, Team, User
from casedesk.accounts.permissions import is_staff
from casedesk.cases import selectors
from casedesk.cases.models import Attachment, Case, CaseEvent, Participant, number_for
from casedesk.core.prepared import Prepared
from casedesk.escalation.models import CaseEscalation
from casedesk.mail.models import InboundMessage
from casedesk.outbox import suppression
from casedesk.privacy.models import Passcode
from casedesk.sla.models import EscalationPath
from casedesk.status.models import MasterChild
from casedesk.workbench.models import SavedReply

# The columns every part gives: its section, a row id, two numbers and four texts; `k`
# sorts a section's rows as its own query would.
COLUMNS = ("u_s", "u_k", "u_n", "u_id", "u_m", "u_a", "u_b", "u_c", "u_d")


def _text(value: Any) -> Any:
    if isinstance(value, str) or value is None:
        return Cast(Value(value if value is not None else ""), CharField())
    return Cast(Coalesce(value, Value("")), CharField())


def _number(value: Any) -> Any:
    if value is None:
        return Cast(Value(0), IntegerField())
    return Cast(value, IntegerField())


def _part(
    qs: QuerySet[Any], section: str, *, key: Any = "", n: Any = None, m: Any = None, **texts: Any
) -> Any:
    return (
        qs.order_by()
        .annotate(
            u_s=_text(section),
            u_k=_text(key),
            u_n=_number(n),
            u_id=_number(F("pk")),
            u_m=_number(m),
            **{f"u_{c}": _text(texts.get(c)) for c in "abcd"},
        )
        .values_list(*COLUMNS)
    )


@dataclass(frozen=True)
class Linked:
    """A case linked to the page's (related, a follow-up, a duplicate), as the page lists it."""

    number: str
    title: str
    status: str


@dataclass
class Lists:
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    def __getitem__(self, section: str) -> list[tuple[Any, ...]]:
        return self.rows.get(section, [])

    @property
    def teams(self) -> list[tuple[int, str]]:
        return [(r[3], r[5]) for r in self["team"]]

    @property
    def staff(self) -> list[tuple[int, str]]:
        # As `str(user)`: the full name, else the e-mail.
        return [(r[3], f"{r[5]} {r[6]}".strip() or r[7]) for r in self["staff"]]

    @property
    def platforms(self) -> list[Platform]:
        return [Platform(pk=r[3], name=r[5]) for r in self["platform"]]

    @property
    def path_kinds(self) -> set[str]:
        return {r[5] for r in self["path"]}

    @property
    def levels(self) -> dict[str, int]:
        return {r[5]: r[4] for r in self["level"]}

    @property
    def escalation_contacts(self) -> list[EscalationContact]:
        return [
            EscalationContact(pk=r[3], position=r[2], name=r[5], title=r[6], phone=r[7], email=r[8])
            for r in self["esc"]
        ]

    @property
    def saved_replies(self) -> list[dict[str, Any]]:
        return [
            {"id": r[3], "title": r[5], "body": r[6], "team": Team(name=r[7]) if r[4] else None}
            for r in self["reply"]
        ]

    def links(self, kind: str) -> list[Linked]:
        return [Linked(number_for(r[3]), r[5], r[6]) for r in self["link"] if r[7] == kind]

    @property
    def participants(self) -> list[Participant]:
        rows = []
        for r in self["part"]:
            contact = Contact(pk=r[4], name=r[5], email=r[6]) if r[4] else None
            rows.append(Participant(pk=r[3], case_id=r[2], contact=contact, address=r[7], source=r[8]))
        return rows

    def files_by_event(self) -> dict[int, list[Attachment]]:
        out: dict[int, list[Attachment]] = defaultdict(list)
        for r in self["file"]:
            # u_k holds the purge time, if any: the page only asks whether there is one.
            out[r[4]].append(Attachment(pk=r[3], event_id=r[4], name=r[5], size=r[2], purged_at=r[1] or None))
        return out


# Read with the case (a row each, no join), so a section with nothing to show costs nothing.
def portal_marks() -> dict[str, Any]:
    return {"in_master": Exists(MasterChild.objects.filter(case_id=OuterRef("pk")))}


def console_marks() -> dict[str, Any]:
    return {**portal_marks(), "has_held": suppression.held_exists()}


# The case's own row and the few it points at; its linked cases are shown by number.
WITH_CASE = ("organisation__partner",)


ORGANISATION_SECTIONS = {"platform", "esc"}
USER_SECTIONS = {"reply"}
# One read per set of sections (and whether files of internal entries are shown), each
# built and compiled once per process (`core.prepared`): the union's building costs more
# than the database's answer.
_READS: dict[tuple[frozenset[str], bool], Prepared[tuple[Any, ...]]] = {}


def lists(case: Case, user: Any, sections: set[str]) -> Lists:
    """The page's short lists, one statement for all of `sections`."""
    out = Lists()
    if not sections:
        return out
    key = (frozenset(sections), is_staff(user))
    read = _READS.get(key)
    if read is None:
        read = _READS.setdefault(key, Prepared(lambda *ids: _union(*key, *ids)))
    ids = [case.pk]
    if sections & ORGANISATION_SECTIONS:
        ids.append(case.organisation_id)
    if sections & USER_SECTIONS:
        ids.append(user.pk)
    rows = sorted(read(*ids), key=lambda r: (r[0], _sort_key(r)))
    for row in rows:
        out.rows[row[0]].append(row)
    return out


def _union(sections: frozenset[str], staff: bool, case_id: int, *more: int) -> QuerySet[Any]:
    rest = list(more)
    org_id = rest.pop(0) if sections & ORGANISATION_SECTIONS else 0
    user_id = rest.pop(0) if sections & USER_SECTIONS else 0
    parts = []
    if "team" in sections:
        parts.append(_part(Team.objects.all(), "team", key=F("name"), a=F("name")))
    if "staff" in sections:
        staff_rows = User.objects.filter(is_staff=True, is_active=True)
        parts.append(
            _part(staff_rows, "staff", key=F("first_name"), a=F("first_name"), b=F("last_name"), c=F("email"))
        )
    if "platform" in sections:
        platforms = Platform.objects.filter(organisations=org_id, active=True)
        parts.append(_part(platforms, "platform", key=F("name"), a=F("name")))
    if "escalation" in sections:
        parts.append(_part(EscalationPath.objects.all(), "path", a=F("kind")))
        levels = CaseEscalation.objects.filter(case_id=case_id)
        parts.append(_part(levels, "level", n=F("path_id"), m=F("level"), a=F("path__kind")))
    if "esc" in sections:
        people = EscalationContact.objects.filter(organisation_id=org_id)
        parts.append(
            _part(people, "esc", n=F("position"), a=F("name"), b=F("title"), c=F("phone"), d=F("email"))
        )
    if "reply" in sections:
        teams = Team.objects.filter(members=user_id).values("pk")
        replies = SavedReply.objects.filter(
            Q(owner_id=user_id) | Q(team_id__in=teams) | Q(owner__isnull=True, team__isnull=True)
        )
        parts.append(
            _part(
                replies, "reply", key=F("title"), m=F("team_id"), a=F("title"), b=F("body"), c=F("team__name")
            )
        )
    if "link" in sections:
        for kind, qs in (
            ("related", Case.objects.filter(related=case_id)),
            ("follow_up", Case.objects.filter(follow_up_of_id=case_id)),
            ("duplicate", Case.objects.filter(duplicate_of_id=case_id)),
        ):
            # Newest first, as the cases' own order.
            parts.append(_part(qs, "link", key=kind, n=-F("pk"), a=F("title"), b=F("status"), c=kind))
    if "part" in sections:
        copied = Participant.objects.filter(case_id=case_id)
        parts.append(
            _part(
                copied,
                "part",
                key=Cast(F("added_at"), CharField()),
                n=F("case_id"),
                m=F("contact_id"),
                a=F("contact__name"),
                b=F("contact__email"),
                c=F("address"),
                d=F("source"),
            )
        )
    if "file" in sections:
        files = Attachment.objects.filter(case_id=case_id, event__isnull=False)
        if not staff:
            files = files.filter(event__public=True)
        parts.append(
            _part(
                files,
                "file",
                key=SqlCase(When(purged_at__isnull=False, then=Value("purged")), default=Value("")),
                n=F("size"),
                m=F("event_id"),
                a=F("name"),
            )
        )
    first, *others = parts
    return first.union(*others, all=True) if others else first


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    section, key, n, pk = row[0], row[1], row[2], row[3]
    if section in ("team", "staff", "platform", "reply"):
        return (key.casefold(), key, pk)
    if section == "link":
        return ({"related": 0, "follow_up": 1, "duplicate": 2}[key], n)
    if section == "part":
        return (key, pk)
    if section in ("esc", "level"):
        return (n, pk)
    return (pk,)


def _staff_timeline(case_id: int) -> QuerySet[CaseEvent]:
    original = InboundMessage.objects.filter(event_id=OuterRef("pk")).order_by("id").values("pk")[:1]
    return selectors.timeline_rows(case_id, STAFF).annotate(mail_id=Subquery(original))


STAFF = User(is_staff=True)  # whom `timeline_rows` shows every entry
_TIMELINES: dict[bool, Prepared[CaseEvent]] = {
    True: Prepared(_staff_timeline),
    False: Prepared(lambda case_id: selectors.timeline_rows(case_id, User(is_staff=False))),
}


def timeline(case: Case, user: Any, files: dict[int, list[Attachment]]) -> list[CaseEvent]:
    """The case's events as `cases.selectors.timeline` gives them, each with its files
    (`files`, from `lists`) and, for staff, the id of the e-mail it came from (`mail_id`)."""
    rows = _TIMELINES[is_staff(user)](case.pk)
    for event in rows:
        event.files = files.get(event.pk, [])  # type: ignore[attr-defined]
    return rows


def known_labels(lists: Lists, case: Case, contacts: list[Contact] | None) -> dict[str, dict[int, str]]:
    """The labels of timeline changes (`history.label_changes`) the page read already."""
    org = case.organisation.name
    return {
        "assignee": dict(lists.staff),
        "team": dict(lists.teams),
        "platform": {p.pk: p.name for p in lists.platforms},
        "participant": {c.pk: f"{c.name} ({org})" for c in contacts or []},
    }


def contacts(case: Case) -> list[Contact]:
    """The organisation's active contacts, by name, each knowing whether it has a support
    passcode (`has_passcode`) and, for a partner's person, whom it acts for: what the CPNI
    panel, the participants card and the partner card each list a part of."""
    return _CONTACTS(case.organisation_id)


_CONTACTS: Prepared[Contact] = Prepared(
    lambda org_id: (
        Contact.objects.filter(organisation_id=org_id, active=True)
        .select_related("delegate_of__organisation")
        .annotate(has_passcode=Exists(Passcode.objects.filter(contact_id=OuterRef("pk"))))
        .order_by("name", "id")
    )
)
