"""Who hears what a case's contact hears: the contact, the case's participants, and each
main point of contact of an organisation that copies them all. Two queries for any number
of cases; an address may come twice (an MPOC who is also a participant): the notice keeps
the first (`outbox.recipients.Once`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from casedesk.accounts.models import Contact
from casedesk.cases.models import Participant


@dataclass(frozen=True)
class Reader:
    email: str
    name: str  # as the templates greet them


def readers(cases: Sequence[Any]) -> defaultdict[int, list[Reader]]:
    """Each case's readers: its contact, its participants as added, then the MPOCs;
    inactive contacts left out."""
    out: defaultdict[int, list[Reader]] = defaultdict(list)
    by_organisation: defaultdict[int, set[int]] = defaultdict(set)
    for case in cases:
        if case.pk not in out and case.contact is not None and case.contact.active:
            out[case.pk].append(Reader(case.contact.email, case.contact.name))
        by_organisation[case.organisation_id].add(case.pk)
    copied = Participant.objects.filter(case_id__in=[c.pk for c in cases]).select_related("contact")
    for row in copied.order_by("added_at", "id"):
        if row.contact is None or row.contact.active:
            out[row.case_id].append(Reader(row.email, row.contact.name if row.contact else row.address))
    mpocs = Contact.objects.filter(
        Q(is_primary_mpoc=True) | Q(is_secondary_mpoc=True),
        organisation_id__in=list(by_organisation),
        organisation__copy_every_mpoc=True,
        active=True,
    )
    for contact in mpocs.order_by("-is_primary_mpoc", "name", "id"):
        for pk in sorted(by_organisation[contact.organisation_id]):
            out[pk].append(Reader(contact.email, contact.name))
    return out
