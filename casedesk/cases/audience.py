"""Who hears what a case's contact hears: the contact, the case's participants, and each
main point of contact of an organisation that copies them all. Two queries for any number
of cases; an address may come twice (an MPOC who is also a participant): the notice keeps
the first (`outbox.recipients.Once`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from casedesk.accounts.models import Contact
from casedesk.cases.models import Participant
from casedesk.core.prepared import Prepared

# Asked for every notice: built once per process (`core.prepared`).
_PARTICIPANTS: Prepared[Participant] = Prepared(
    lambda cases: (
        Participant.objects.filter(case_id__in=cases).select_related("contact").order_by("added_at", "id")
    ),
    warm=[[0]],
)
_MPOCS: Prepared[Contact] = Prepared(
    lambda organisations: Contact.objects.filter(
        Q(is_primary_mpoc=True) | Q(is_secondary_mpoc=True),
        organisation_id__in=organisations,
        organisation__copy_every_mpoc=True,
        active=True,
    ).order_by("-is_primary_mpoc", "name", "id"),
    warm=[[0]],
)


@dataclass(frozen=True)
class Reader:
    email: str
    name: str  # as the templates greet them


def readers(cases: Sequence[Any], new: Iterable[int] = ()) -> defaultdict[int, list[Reader]]:
    """Each case's readers: its contact, its participants as added, then the MPOCs;
    inactive contacts left out. `new`: cases opened in the caller's transaction, which
    have no participants yet (nothing is asked about them). The MPOCs are asked for only
    where the organisation, when it came with its case, copies them."""
    out: defaultdict[int, list[Reader]] = defaultdict(list)
    by_organisation: defaultdict[int, set[int]] = defaultdict(set)
    fresh = set(new)
    for case in cases:
        if case.pk not in out and case.contact is not None and case.contact.active:
            out[case.pk].append(Reader(case.contact.email, case.contact.name))
        if not _copies_none(case):
            by_organisation[case.organisation_id].add(case.pk)
    for row in _PARTICIPANTS(sorted({c.pk for c in cases} - fresh)):
        if row.contact is None or row.contact.active:
            out[row.case_id].append(Reader(row.email, row.contact.name if row.contact else row.address))
    for contact in _MPOCS(sorted(by_organisation)):
        for pk in sorted(by_organisation[contact.organisation_id]):
            out[pk].append(Reader(contact.email, contact.name))
    return out


def _copies_none(case: Any) -> bool:
    """The case's organisation, loaded with it, does not copy every MPOC."""
    field = getattr(type(case), "organisation", None)
    cached = field is not None and hasattr(field, "is_cached") and field.is_cached(case)
    return cached and not case.organisation.copy_every_mpoc
